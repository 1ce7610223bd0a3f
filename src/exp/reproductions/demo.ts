import { lossFigure, type Row } from '../../report/index.js';
import { registerReproduction } from './index.js';
import { doneJobs, fmt, num, slopeText, verdict, widthSlope } from './helpers.js';
import type { ReproductionContext } from './reproduction.js';

/**
 * `overparam demo` (experiments/demo.json): one-hidden-layer NTK-parametrized ReLU nets of widths
 * 64 … 4096 trained by full-batch GD on unit-norm data. What a theorist expects to see:
 *  - the loss goes to zero at a linear rate, below Du et al.'s bound (1 − ηλ₀/2)ᵗ L(0) (Du, Zhai,
 *    Póczos & Singh ICLR 2019 Thm 4.1; Du et al. ICML 2019 Thm 5.1);
 *  - λ_min(H(t)) barely moves at large width: it stays ≥ λ₀/2, the condition of their proof;
 *  - lazy training: relative weight movement ∝ m^{−1/2}, and the kernel drift vanishes at least as
 *    fast (Jacot et al. 2018; Lee et al. 2019; THEORY.md §5.1, §4.3);
 *  - at large width the real network follows the closed-form trajectory of its linearization,
 *    u(t) = y + (I − ηΘ₀)ᵗ(u₀ − y) (monitor implicit, field implicit_lin_loss; THEORY.md §6.4-4).
 */
const LARGE = 1024;

function verdicts(ctx: ReproductionContext) {
  const jobs = doneJobs(ctx);
  const out = [];
  const decay = jobs.map((j) => (num(j.final.loss) ?? NaN) / (num(j.rows[0]?.loss) ?? NaN));
  const worst = Math.max(...decay);
  out.push(verdict('demo-zero-loss', 'GD drives the training loss to zero at every width (Du et al. 2019)', 'L(T)/L(0) ≤ 1e-3 for every run', `max L(T)/L(0) = ${fmt(worst)} over ${jobs.length} runs`, jobs.length > 0 && worst <= 1e-3, 'loss'));
  const violated = jobs.filter((j) => j.rows.some((r) => r.du_bound_holds === false));
  out.push(verdict('demo-du-bound', "Loss stays below Du et al.'s linear-rate bound (1 − ηλ₀/2)ᵗ L(0)", 'holds at every recorded step, every run', violated.length ? `violated in ${violated.map((j) => j.id).join(', ')}` : `holds in all ${jobs.length} runs`, jobs.length > 0 && violated.length === 0, 'loss'));
  const wide = jobs.filter((j) => j.width >= LARGE);
  const minRatio = Math.min(...wide.flatMap((j) => j.rows.map((r) => num(r.ntk_lambda_min_ratio) ?? Infinity)));
  out.push(verdict('demo-lambda-min', `λ_min(H(t)) stays ≥ λ₀/2 at width ≥ ${LARGE} (the condition of Du et al.'s proof)`, 'min_t λ_min(H(t))/λ_min(H(0)) ≥ 0.5', `min ratio ${fmt(minRatio)} over ${wide.length} runs`, wide.length > 0 && minRatio >= 0.5, 'spectrum'));
  const mv = widthSlope(ctx, 'weight_movement');
  const mvPass = !!mv && (mv.ci ? mv.ci.low <= -0.5 && -0.5 <= mv.ci.high : mv.slope >= -0.7 && mv.slope <= -0.3);
  out.push(verdict('demo-movement', 'Lazy training: relative weight movement ∝ m^(−1/2)', 'slope −0.5 (CI covers it)', slopeText(mv), mvPass, 'movement'));
  const dr = widthSlope(ctx, 'ntk_drift');
  const drPass = !!dr && (dr.ci ? dr.ci.high <= -0.4 : dr.slope <= -0.4);
  out.push(verdict('demo-drift', 'Kernel drift ‖H(T) − H(0)‖_F/‖H(0)‖_F vanishes like O(m^(−1/2)) or faster', 'slope ≤ −0.5 (upper CI bound ≤ −0.4)', slopeText(dr), drPass, 'drift'));
  const gap = (j: (typeof jobs)[number]) => Math.max(...j.rows.map((r) => num(r.implicit_lin_gap_rel) ?? NaN));
  const byWidth = new Map<number, number[]>();
  for (const j of jobs) byWidth.set(j.width, [...(byWidth.get(j.width) ?? []), gap(j)]);
  const widths = [...byWidth.keys()].sort((a, b) => a - b);
  const meanGap = widths.map((w) => byWidth.get(w)!.reduce((a, b) => a + b, 0) / byWidth.get(w)!.length);
  const widest = meanGap[meanGap.length - 1];
  const shrinking = meanGap.every((g, i) => i === 0 || g <= meanGap[i - 1]! * 1.05);
  out.push(
    verdict(
      'demo-linearization',
      'At large width the network follows its linearization: u(t) ≈ y + (I − ηΘ₀)ᵗ(u₀ − y)',
      'max_t ‖u(t) − u_lin(t)‖/‖y‖ (mean over seeds) shrinks with width and is ≤ 1e-2 at the widest',
      widths.map((w, i) => `m=${w}: ${fmt(meanGap[i])}`).join(', '),
      widths.length >= 2 && shrinking && widest !== undefined && widest <= 1e-2,
      'linearization',
    ),
  );
  return out;
}

registerReproduction({
  id: 'demo',
  title: 'Wide networks train like their NTK: linear convergence, frozen kernel, lazy weights',
  verdicts,
  figures(ctx) {
    const widest = Math.max(...doneJobs(ctx).map((j) => j.width));
    const rows: Row[] = doneJobs(ctx)
      .filter((j) => j.seed === doneJobs(ctx)[0]?.seed)
      .flatMap((j) => j.rows.map((r) => ({ step: r.step, loss: r.loss, lin: r.implicit_lin_loss, label: `m=${j.width}` }) as Row));
    return {
      figures: {
        linearization: lossFigure(rows, { bound: 'lin', boundLabel: 'linearized (closed form)', title: 'Real network vs its NTK linearization', subtitle: `solid: GD on the network; dashed: closed form ½‖(I − ηΘ₀)ᵗ(u₀ − y)‖²; widths up to ${widest}` }),
      },
      captions: { linearization: 'Training loss of the real network (solid) and of its linearization around θ₀ in closed form (dashed), one seed per width: the gap closes as the width grows (Lee et al. 2019).' },
    };
  },
});
