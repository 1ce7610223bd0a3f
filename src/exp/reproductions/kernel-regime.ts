import { eigh, matmul, spectralApply } from '../../core/linalg/index.js';
import { Tensor } from '../../core/tensor.js';
import { loadModel } from '../../nn/io/model-file.js';
import { analyticKernel } from '../../nn/ntk/analytic.js';
import { widthScalingFigure } from '../../report/index.js';
import { prepareJob } from '../run/run-job.js';
import type { Verdict } from '../run/run-experiment.js';
import { mlpHiddenWidths } from '../spec/schema.js';
import { bandParam, fmt, noData, num, parseChecks, selectJobs, unfinishedNote, type CheckDef, type Params, type Where, type FigureSet, noFigures } from './checks.js';
import { registerReproduction } from './index.js';
import type { Reproduction, ReproductionContext, ReproductionFiles } from './reproduction.js';
import { finalRows, widthSlopeVerdict } from './width-fit.js';

/**
 * kernel-regime — a trained wide network predicts like infinite-width kernel regression
 * (A. Jacot, F. Gabriel, C. Hongler, "Neural Tangent Kernel", NeurIPS 2018; J. Lee et al., "Wide Neural
 * Networks of Any Depth Evolve as Linear Models Under Gradient Descent", NeurIPS 2019, eq. (9)–(11);
 * the neural-tangents `predict` module; THEORY.md §6.4 test 3).
 *
 * For GD with step η on L = ½Σ‖f − y‖² in the kernel regime, after T steps (discrete-time form of
 * Lee et al. eq. (10), exact for the linearized model with kernel Θ):
 *
 *   f_T(x*) = f₀(x*) + Θ(x*, X) · Θ⁻¹(I − (I − ηΘ)^T) · (y − f₀(X)),
 *
 * with Θ the analytic infinite-width NTK of the architecture (nn/ntk/analytic.ts, neural-tangents
 * stax conventions; needs an MLP in the NTK parametrization) and f₀ the network's own output at
 * initialization (at finite width f₀ is a draw of the NNGP, which the kernel prediction carries along
 * unchanged; subtracting it is what the "centred" comparisons of Lee et al. do). The gap between the
 * trained network and this prediction comes from Θ̂₀ ≠ Θ and from the non-linearity, both O(m^{−1/2}).
 *
 * `derive` (async: it reads jobs/<id>/final.safetensors and rebuilds the data and θ₀ from the job's
 * spec) adds to each job's final record:
 *   kr_test_gap   ‖f_T(X*) − f_T^kernel(X*)‖ / ‖y*‖ on the test set (Frobenius norms),
 *   kr_train_gap  the same on the training set,
 *   kr_test_mse_net, kr_test_mse_kernel   mean squared test error of the network and of the prediction,
 *   kr_note       null, or why the comparison was not made (not an NTK-parametrized MLP, no test set, …).
 *
 * Checks (parameters; each also takes `where`):
 *   gap-decreases (band [−0.8, −0.2])  log-log slope of kr_test_gap vs width (95% CI over seeds) in the
 *                                       band with the CI below 0; predicted −1/2;
 *   gap-small (maxGap 0.1)             kr_test_gap at the largest width (mean over seeds) ≤ maxGap.
 */
const CHECKS: CheckDef[] = [
  { id: 'gap-decreases', params: { band: [-0.8, -0.2] } },
  { id: 'gap-small', params: { maxGap: 0.1 } },
];

/** (1 − (1 − ηλ)^T)/λ, → ηT as λ → 0 (computed with expm1/log1p; λ ≤ 0 is treated as 0). */
export function finiteTimeFilter(eta: number, T: number): (lambda: number) => number {
  return (l) => {
    if (!(l > 0)) return eta * T;
    const q = 1 - eta * l;
    if (q <= 0) return (1 - Math.pow(q, T)) / l;
    return -Math.expm1(T * Math.log1p(-eta * l)) / l;
  };
}

const frob = (a: Float64Array): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
const diff = (a: Tensor, b: Tensor): Float64Array => (a.data as Float64Array).map((v, i) => v - (b.data as Float64Array)[i]!);

/** The kernel-regime prediction on X (train) and X* (test) after T GD steps of size η. */
export function kernelPrediction(o: { ntkTrain: Tensor; ntkTest: Tensor; f0Train: Tensor; f0Test: Tensor; y: Tensor; eta: number; steps: number }): { train: Tensor; test: Tensor } {
  const e = eigh(o.ntkTrain);
  const resid = new Tensor(diff(o.y, o.f0Train), o.y.shape.slice());
  const g = spectralApply(e, finiteTimeFilter(o.eta, o.steps), resid);
  const dTrain = matmul(o.ntkTrain, g);
  const dTest = matmul(o.ntkTest, g);
  const add = (a: Tensor, b: Tensor) => new Tensor((a.data as Float64Array).map((v, i) => v + (b.data as Float64Array)[i]!), a.shape.slice());
  return { train: add(o.f0Train, dTrain), test: add(o.f0Test, dTest) };
}

async function deriveJob(ctx: ReproductionContext, id: string, files: ReproductionFiles): Promise<Record<string, unknown>> {
  const spec = ctx.jobSpecs.get(id) ?? ctx.spec;
  const nulls = { kr_test_gap: null, kr_train_gap: null, kr_test_mse_net: null, kr_test_mse_kernel: null };
  const m = spec.model;
  if (m.arch !== 'mlp' || m.parametrization !== 'ntk') return { ...nulls, kr_note: 'needs an MLP in the NTK parametrization (the analytic kernel is the neural-tangents one)' };
  if (spec.loss !== 'squared' || spec.optimizer.name !== 'gd') return { ...nulls, kr_note: 'needs full-batch gd on the squared loss' };
  const bytes = await files.read(id, 'final.safetensors');
  if (!bytes) return { ...nulls, kr_note: 'no final.safetensors' };
  const { data, model, theta0 } = await prepareJob(spec);
  if (!data.Xtest || !data.ytest || data.Xtest.rows === 0) return { ...nulls, kr_note: 'no test set (data.nTest)' };
  const { theta } = loadModel(bytes, `jobs/${id}/final.safetensors`);
  const common = { hiddenLayers: mlpHiddenWidths(m).length, activation: m.activation, sigmaW: m.sigmaW, sigmaB: m.bias ? m.sigmaB : 0, kind: 'ntk' as const };
  const ntkTrain = analyticKernel({ ...common, x1: data.X }).ntk!;
  const ntkTest = analyticKernel({ ...common, x1: data.Xtest, x2: data.X }).ntk!;
  const pred = kernelPrediction({ ntkTrain, ntkTest, f0Train: model.forward(theta0, data.X), f0Test: model.forward(theta0, data.Xtest), y: data.y, eta: spec.optimizer.lr, steps: spec.steps });
  const netTest = model.forward(theta, data.Xtest);
  const netTrain = model.forward(theta, data.X);
  const yt = data.ytest.data as Float64Array;
  const ny = frob(yt);
  const mse = (t: Tensor) => diff(t, data.ytest!).reduce((s, v) => s + v * v, 0) / data.ytest!.rows;
  return {
    kr_test_gap: frob(diff(netTest, pred.test)) / ny,
    kr_train_gap: frob(diff(netTrain, pred.train)) / frob(data.y.data as Float64Array),
    kr_test_mse_net: mse(netTest),
    kr_test_mse_kernel: mse(pred.test),
    kr_note: null,
  };
}

function gapSmall(ctx: ReproductionContext, p: Params): Verdict {
  const id = 'gap-small';
  const max = p.maxGap as number;
  const claim = 'at the largest width the trained network predicts like kernel regression with the analytic NTK';
  const predicted = `‖f_T(X*) − f_T^kernel(X*)‖/‖y*‖ ≤ ${fmt(max)} (mean over seeds)`;
  const rows = finalRows(ctx, p.where as Where).filter((r) => num(r, 'kr_test_gap') !== undefined);
  const note = unfinishedNote(ctx, p.where as Where);
  if (rows.length === 0) {
    const why = selectJobs(ctx, p.where as Where).map((v) => v.job.final.kr_note).find((x) => typeof x === 'string');
    return noData(id, claim, predicted, `no job has kr_test_gap${why ? ` (${String(why)})` : ''}${note}`);
  }
  const wMax = Math.max(...rows.map((r) => r.width as number));
  const at = rows.filter((r) => r.width === wMax).map((r) => r.kr_test_gap as number);
  const gap = at.reduce((a, b) => a + b, 0) / at.length;
  const mseNet = rows.filter((r) => r.width === wMax).map((r) => r.kr_test_mse_net as number);
  const mseK = rows.filter((r) => r.width === wMax).map((r) => r.kr_test_mse_kernel as number);
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { id, claim, predicted, measured: `m=${wMax}: gap ${fmt(gap)} over ${at.length} seed(s); test MSE net ${fmt(avg(mseNet))} vs kernel ${fmt(avg(mseK))}${note}`, pass: gap <= max && note === '', figure: 'kernel-gap' };
}

const band = (p: Params): [number, number] => bandParam(p, 'band', 'gap-decreases');

const kernelRegime: Reproduction = {
  id: 'kernel-regime',
  title: 'Kernel regime (Jacot et al. 2018; Lee et al. 2019): a trained wide net predicts like infinite-width NTK regression, ever closer with width',
  validate(options) {
    const p = parseChecks('kernel-regime', CHECKS, options).get('gap-decreases');
    if (p) band(p);
  },
  async derive(ctx, files) {
    const out = new Map<string, Record<string, unknown>>();
    for (const v of selectJobs(ctx)) {
      try {
        out.set(v.job.id, await deriveJob(ctx, v.job.id, files));
      } catch (e) {
        // A job whose data or weights cannot be rebuilt (e.g. CSV data read through another IO) is skipped, not fatal.
        out.set(v.job.id, { kr_test_gap: null, kr_train_gap: null, kr_test_mse_net: null, kr_test_mse_kernel: null, kr_note: `not compared: ${e instanceof Error ? e.message : String(e)}` });
      }
    }
    return out;
  },
  verdicts(ctx) {
    const out: Verdict[] = [];
    for (const [id, p] of parseChecks('kernel-regime', CHECKS, ctx.options)) {
      if (id === 'gap-decreases') out.push(widthSlopeVerdict(ctx, { id, claim: 'the gap to the kernel-regime prediction shrinks with width (∝ width^(−1/2))', field: 'kr_test_gap', predicted: -0.5, band: band(p), where: p.where as Where, figure: 'kernel-gap' }));
      else out.push(gapSmall(ctx, p));
    }
    return out;
  },
  figures(ctx): FigureSet {
    const rows = finalRows(ctx, {}).filter((r) => num(r, 'kr_test_gap') !== undefined && (r.kr_test_gap as number) > 0);
    if (new Set(rows.map((r) => r.width)).size < 2) return noFigures();
    return {
      figures: { 'kernel-gap': widthScalingFigure(rows, { field: 'kr_test_gap', predicted: -0.5, yTitle: '‖f_net(X*) − f_kernel(X*)‖ / ‖y*‖', title: 'Trained network vs infinite-width kernel prediction' }) },
      captions: { 'kernel-gap': 'Relative gap on the test set between the trained network and the analytic-NTK prediction f₀ + Θ(X*,X)Θ⁻¹(I − (I − ηΘ)^T)(y − f₀(X)), vs width (log-log, fitted slope with 95% CI over seeds).' },
    };
  },
};

registerReproduction(kernelRegime);
export default kernelRegime;
