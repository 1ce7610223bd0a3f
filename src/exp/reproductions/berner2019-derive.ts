import { UserError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import type { Tensor } from '../../core/tensor.js';
import { box, cube, type Box } from '../../diag/realization/domain.js';
import { convexityProfile, permuteNeurons } from '../../diag/realization/convexity.js';
import { evalNet, netFromTheta } from '../../diag/realization/net.js';
import { PATHOLOGIES, runPathology } from '../../diag/realization/pathologies.js';
import { checkRestricted, projectRestricted } from '../../diag/realization/restricted.js';
import { compareRestrictedTraining, restrictedInit } from '../../diag/realization/restricted-training.js';
import { searchRatio } from '../../diag/realization/search.js';
import { loadModel } from '../../nn/io/model-file.js';
import type { Model } from '../../nn/model.js';
import { widthOf } from '../run/experiment-report.js';
import { prepareJob } from '../run/run-job.js';
import { selectJobs, type Params } from './checks.js';
import type { PathologyRecord } from './berner2019-judge.js';
import type { ReproductionContext, ReproductionFiles } from './reproduction.js';

/**
 * berner2019's `derive` step (exp/reproductions/reproduction.ts): the numbers that need the jobs'
 * files or more computation than a verdict should do, merged into the jobs' `final` records (so
 * summary.json holds them and `overparam report` re-draws the figures from plain records).
 *
 * Per finished job (shallow ReLU net, data in Ω = the box [−1, 1]^d enlarged to hold every input):
 *   trained_loss, projected_loss, projected_ok — θ_T (jobs/<id>/final.safetensors) and its projection
 *     P(θ_T) onto the restricted set 𝒮 (realization-preserving; Berner et al. §3 "nothing learnable is
 *     lost": every realization of the unrestricted set is one of 𝒮);
 *   restricted_* — compareRestrictedTraining on the job's data, step size η = optimizer.lr and steps,
 *     from the common start restrictedInit(seed) (a member of 𝒮): plain GD vs projected GD on 𝒮;
 *     restricted_curve = {step, unrestricted, restricted} every monitorEvery steps and the last;
 *   berner2019_note — why a job could not be analysed (not a shallow ReLU net, no final weights).
 * Run-level, on the first finished job only, `berner2019`: {pathologies, search, convexity}:
 *   pathologies — the five family tables (runPathology, params of the `pathologies` check);
 *   search — searchRatio on [−1, 1] over widths × seeds, unrestricted and restricted (same seeds);
 *   convexity — convexityProfile between two trained jobs of the same width and different seeds, and
 *     between the first job and its neuron-reversed copy (same realization, flat chord).
 * Loss: L = ½ Σᵢ ‖f(xᵢ) − yᵢ‖² (DESIGN.md).
 */
export interface SearchRun { width: number; seed: number; unrestricted: number; restricted: number; qualifiedUnrestricted: number; qualifiedRestricted: number; restrictedInSet: boolean }
export interface ConvexityRecord {
  pair: string;
  kind: 'seeds' | 'permuted';
  t: number[];
  parameterLoss: number[];
  realizationLoss: number[];
  chord: number[];
  realizationExcess: number;
  parameterExcess: number;
  parameterExcessAt: number;
}
export interface Berner2019Record {
  pathologies: PathologyRecord[];
  search: { runs: SearchRun[] } | null;
  convexity: ConvexityRecord[];
}

function halfSq(f: Tensor, y: Tensor): number {
  let s = 0;
  for (let i = 0; i < f.size; i++) s += (f.data[i]! - y.data[i]!) ** 2;
  return 0.5 * s;
}

/** Ω: [−1, 1]^d, enlarged per coordinate to the range of the training inputs. */
export function domainOf(X: Tensor): Box {
  const d = X.cols;
  const lo = new Array<number>(d).fill(-1), hi = new Array<number>(d).fill(1);
  for (let i = 0; i < X.rows; i++) {
    for (let j = 0; j < d; j++) {
      lo[j] = Math.min(lo[j]!, X.data[i * d + j]!);
      hi[j] = Math.max(hi[j]!, X.data[i * d + j]!);
    }
  }
  return box(lo, hi);
}

interface Trained { id: string; model: Model; theta: Float64Array; X: Tensor; y: Tensor; width: number; seed: number }

async function deriveJob(ctx: ReproductionContext, id: string, files: ReproductionFiles, training: boolean): Promise<{ fields: Record<string, unknown>; trained?: Trained }> {
  const spec = ctx.jobSpecs.get(id) ?? ctx.spec;
  const bytes = await files.read(id, 'final.safetensors');
  if (!bytes) return { fields: { berner2019_note: 'no final.safetensors' } };
  const { data, model } = await prepareJob(spec);
  const { theta } = loadModel(bytes, `jobs/${id}/final.safetensors`);
  const { X, y } = data;
  const domain = domainOf(X);
  let net;
  try {
    net = netFromTheta(model, theta);
  } catch (e) {
    if (e instanceof UserError) return { fields: { berner2019_note: e.message } };
    throw e;
  }
  const proj = projectRestricted(net, { domain }).net;
  const fields: Record<string, unknown> = {
    trained_loss: halfSq(evalNet(net, X), y),
    projected_loss: halfSq(evalNet(proj, X), y),
    projected_ok: checkRestricted(proj, { domain }).ok,
    berner2019_note: null,
  };
  if (training) {
    const theta0 = restrictedInit(model, domain, Rng.fromSeed(spec.seed));
    const r = compareRestrictedTraining({ model, theta0, X, y, steps: spec.steps, lr: spec.optimizer.lr, domain, rng: Rng.fromSeed(spec.seed + 7919) });
    const U = r.unrestricted.loss, R = r.restricted.loss;
    const every = Math.max(1, spec.monitorEvery);
    const steps = [...Array(Math.min(U.length, R.length)).keys()].filter((t, _, a) => t % every === 0 || t === a.length - 1);
    Object.assign(fields, {
      restricted_initial_loss: U[0] ?? null,
      restricted_unrestricted_loss: r.unrestricted.divergedAt === null ? U[U.length - 1]! : null,
      restricted_loss: r.restricted.divergedAt === null ? R[R.length - 1]! : null,
      restricted_diverged_at: { unrestricted: r.unrestricted.divergedAt, restricted: r.restricted.divergedAt },
      restricted_ok: r.restricted.check.ok,
      restricted_counts: r.counts,
      restricted_curve: { step: steps, unrestricted: steps.map((t) => U[t]!), restricted: steps.map((t) => R[t]!) },
    });
  }
  return { fields, trained: { id, model, theta, X, y, width: widthOf(spec) ?? 0, seed: spec.seed } };
}

function profile(pair: string, kind: ConvexityRecord['kind'], a: Trained, thetaB: Float64Array, points: number): ConvexityRecord {
  const p = convexityProfile(a.model, a.theta, thetaB, a.X, a.y, points);
  return {
    pair,
    kind,
    t: Array.from(p.t),
    parameterLoss: Array.from(p.parameterLoss),
    realizationLoss: Array.from(p.realizationLoss),
    chord: Array.from(p.chord),
    realizationExcess: p.realizationExcess,
    parameterExcess: p.parameterExcess,
    parameterExcessAt: p.parameterExcessAt,
  };
}

/** The derived numbers of every finished job (see the module docstring); `checks` = parseChecks(…). */
export async function deriveBerner2019(ctx: ReproductionContext, files: ReproductionFiles, checks: ReadonlyMap<string, Params>): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  const trained: Trained[] = [];
  const jobs = selectJobs(ctx);
  for (const v of jobs) {
    const r = await deriveJob(ctx, v.job.id, files, checks.has('restricted-training'));
    out.set(v.job.id, r.fields);
    if (r.trained) trained.push(r.trained);
  }
  if (jobs.length === 0) return out;
  const pp = checks.get('pathologies') ?? { ks: [2, 4, 8, 16, 32, 64, 128], alpha: 2 };
  const pathologies: PathologyRecord[] = PATHOLOGIES.map((name) => {
    const t = runPathology(name, { ks: pp.ks as number[], alpha: pp.alpha as number });
    return { name: t.name, theoryItem: t.theoryItem, description: t.description, norm: t.norm, alpha: t.alpha, rows: t.rows.map((r) => ({ ...r })) };
  });
  let search: Berner2019Record['search'] = null;
  const sp = checks.get('search');
  if (sp) {
    const runs: SearchRun[] = [];
    const D = cube(1);
    for (const width of sp.widths as number[]) {
      for (const seed of sp.seeds as number[]) {
        const base = { domain: D, width, trials: sp.trials as number, starts: sp.starts as number, steps: sp.steps as number };
        const u = searchRatio({ ...base, rng: Rng.fromSeed(seed) });
        const r = searchRatio({ ...base, rng: Rng.fromSeed(seed), restricted: true });
        const inSet = !!r.best && checkRestricted(r.best.phi, { domain: D }).ok && checkRestricted(r.best.gamma, { domain: D }).ok;
        runs.push({ width, seed, unrestricted: u.gradientBest, restricted: r.gradientBest, qualifiedUnrestricted: u.qualified, qualifiedRestricted: r.qualified, restrictedInSet: inSet });
      }
    }
    search = { runs };
  }
  const convexity: ConvexityRecord[] = [];
  const cp = checks.get('convexity');
  if (cp && trained.length > 0) {
    const points = cp.points as number;
    const a = trained[0]!;
    const b = trained.find((t) => t !== a && t.width === a.width && t.seed !== a.seed && t.model.numParams === a.model.numParams);
    if (b) convexity.push(profile(`${a.id} ↔ ${b.id}`, 'seeds', a, b.theta, points));
    const m = netFromTheta(a.model, a.theta).m;
    convexity.push(profile(`${a.id} ↔ its neurons reversed`, 'permuted', a, permuteNeurons(a.model, a.theta, Array.from({ length: m }, (_, i) => m - 1 - i)), points));
  }
  const first = jobs[0]!.job.id;
  const record: Berner2019Record = { pathologies, search, convexity };
  out.set(first, { ...out.get(first), berner2019: record });
  return out;
}
