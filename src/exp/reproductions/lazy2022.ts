import type { Verdict } from '../run/run-experiment.js';
import { describeFit } from '../../report/index.js';
import { bandParam, fmt, noData, parseChecks, unfinishedNote, type CheckDef, type Params, type Where } from './checks.js';
import { registerReproduction } from './index.js';
import type { Reproduction, ReproductionContext } from './reproduction.js';
import { finalRows, fitOrNull, widthSlopeVerdict } from './width-fit.js';

/**
 * lazy2022 — D. Terjék & D. González-Sánchez, "A Framework for Overparameterized Learning"
 * (arXiv:2205.13507, 2022): for a wide MLP in the NTK parametrization (UNCONFIRMED: THEORY.md §4.2 —
 * the paper's body could not be read; this is the parametrization its width-improving coefficients and
 * lr transfer point to), GD stays in a ball around θ₀ whose radius is set by the initial residual, so
 * ‖θ_T − θ₀‖ = O(1) while ‖θ₀‖ = Θ(√P): lazy training (THEORY.md §4.3, §4.4 (c), §4.5 test 3). With
 * one hidden layer of width m (P ∝ m) both the relative weight movement ‖θ_T − θ₀‖/‖θ₀‖ and the
 * relative kernel drift ‖H(T) − H(0)‖_F/‖H(0)‖_F scale like m^{−1/2} (the drift for any depth; Jacot
 * et al. 2018; Du et al. ICLR 2019 Lemma 3.2 in the two-layer case).
 *
 * Checks (parameters; each also takes `where`):
 *   movement-slope (band [−0.7, −0.3])   log-log slope of weight_movement vs width, 95% CI over seeds;
 *   drift-slope (band [−0.7, −0.3])      the same for ntk_drift — the literal "drift ∝ m^{−1/2}";
 *   drift-bound (maxSlope −0.4)           the upper CI end of the ntk_drift slope ≤ maxSlope: the drift
 *                                        vanishes at least like m^{−1/2}, which is what the lazy-training
 *                                        theorems bound (‖H(t) − H(0)‖ = O(m^{−1/2}), Du et al.; Jacot et
 *                                        al.). The drift typically decays faster, like 1/m (E. Dyer &
 *                                        G. Gur-Ari, "Asymptotics of Wide Networks from Feynman Diagrams",
 *                                        ICLR 2020: dΘ/dt = O(1/m)); the measured text says whether the
 *                                        CI covers −1;
 *   abs-movement-flat (band [−0.2, 0.2]) ‖θ_T − θ₀‖ (weight_movement_abs) is width-independent:
 *                                        slope in the band (no significance requirement).
 * A slope passes when it lies in its band and (for the two −1/2 claims) its CI excludes 0; the
 * measured line says whether the CI covers −1/2.
 */
const CHECKS: CheckDef[] = [
  { id: 'movement-slope', params: { band: [-0.7, -0.3] } },
  { id: 'drift-slope', params: { band: [-0.7, -0.3] } },
  { id: 'drift-bound', params: { maxSlope: -0.4 } },
  { id: 'abs-movement-flat', params: { band: [-0.2, 0.2] } },
];

const band = (p: Params, id: string): [number, number] => bandParam(p, 'band', id);

/** The drift vanishes at least like m^{−1/2}: the upper end of the slope's CI (the slope without a CI) ≤ max. */
function driftBound(ctx: ReproductionContext, max: number, where: Where): Verdict {
  const id = 'drift-bound';
  const claim = 'relative kernel drift vanishes at least like width^(−1/2) (the lazy-training bound)';
  const predicted = `upper end of the 95% CI of the log-log slope ≤ ${fmt(max)}`;
  const f = fitOrNull(finalRows(ctx, where), 'ntk_drift');
  const note = unfinishedNote(ctx, where);
  if (typeof f === 'string') return noData(id, claim, predicted, f + note);
  const top = f.fit.ci ? f.fit.ci.high : f.fit.slope;
  return { id, claim, predicted, measured: `${describeFit(f.fit)}${f.fit.ci ? '' : ' (no CI: the slope itself is judged)'}${note}`, pass: top <= max && note === '', figure: 'drift' };
}

function verdicts(ctx: ReproductionContext): Verdict[] {
  const out: Verdict[] = [];
  for (const [id, p] of parseChecks('lazy2022', CHECKS, ctx.options)) {
    const where = p.where as Where;
    if (id === 'movement-slope') {
      out.push(widthSlopeVerdict(ctx, { id, claim: 'relative weight movement ‖θ_T − θ₀‖/‖θ₀‖ ∝ width^(−1/2) (lazy training)', field: 'weight_movement', predicted: -0.5, band: band(p, id), where, figure: 'movement' }));
    } else if (id === 'drift-slope') {
      out.push(widthSlopeVerdict(ctx, { id, claim: 'relative kernel drift ‖H(T) − H(0)‖_F/‖H(0)‖_F ∝ width^(−1/2)', field: 'ntk_drift', predicted: -0.5, band: band(p, id), where, figure: 'drift', alternative: -1 }));
    } else if (id === 'drift-bound') {
      const max = p.maxSlope as number;
      out.push(driftBound(ctx, max, where));
    } else {
      out.push(widthSlopeVerdict(ctx, { id, claim: 'absolute weight movement ‖θ_T − θ₀‖ is width-independent (the ball of the framework)', field: 'weight_movement_abs', predicted: 0, band: band(p, id), where, significant: false }));
    }
  }
  return out;
}

const lazy2022: Reproduction = {
  id: 'lazy2022',
  title: 'Terjék & González-Sánchez (2022): wide NTK-parametrized MLPs train lazily — movement and kernel drift ∝ width^(−1/2)',
  validate(options) {
    for (const [id, p] of parseChecks('lazy2022', CHECKS, options)) if ('band' in p) band(p, id);
  },
  verdicts,
};

registerReproduction(lazy2022);
export default lazy2022;
