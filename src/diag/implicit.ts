import { UserError } from '../core/errors.js';
import { eigh, matvec } from '../core/linalg/index.js';
import { Tensor } from '../core/tensor.js';
import type { ForwardTrace } from '../nn/model.js';
import type { Monitor, MonitorContext, RowValue } from '../nn/monitor.js';
import { allFinite, atInit, lrScales, norm2, residual } from './context.js';
import { baselineObject, decodeArray, decodeNumber, encodeArray, encodeNumber } from './json.js';
import { lrWeightedNtk, ntkAt } from './kernel-cache.js';

/**
 * implicit — how close GD stays to the linearized model around θ₀ and to the minimum-norm interpolant
 * it converges to (Jacot et al. 2018; Lee et al., "Wide Neural Networks of Any Depth Evolve as Linear
 * Models Under Gradient Descent", NeurIPS 2019, eq. (8)–(11); THEORY.md §4.3 implicit regularization and
 * §6.4-3/4). With J₀ = J(θ₀), r₀ = f(θ₀) − y, D = diag(ℓ) the learning-rate scales (identity for the
 * standard / NTK parametrizations), Θ₀ = J₀·D·J₀ᵀ = V·Λ·Vᵀ:
 *
 *   linearized GD (exact for f_lin(θ) = f₀ + J₀(θ − θ₀)):  u_lin(t) − y = (I − ηΘ₀)ᵗ r₀ = V(1 − ηλ)ᵗVᵀr₀,
 *   θ_lin(t) = θ₀ − D·J₀ᵀ·V·diag(gₜ(λ))·Vᵀr₀,  gₜ(λ) = Σ_{s<t} η(1 − ηλ)ˢ = (1 − (1 − ηλ)ᵗ)/λ  (ηt at λ = 0),
 *   limit t → ∞:  θ* = θ₀ − D·J₀ᵀ·Θ₀⁺·r₀ — for D = I the minimum-norm interpolant of the linearized model,
 *                 θ* = θ₀ − J₀ᵀ(J₀J₀ᵀ)⁻¹(f₀ − y) (pseudo-inverse when Θ₀ is singular: eigenvalues
 *                 ≤ N·ε·λ_max count as 0, giving the minimum-norm least-squares solution).
 *
 * Row fields:
 *   implicit_dist         ‖θ_t − θ*‖
 *   implicit_dist_rel     ‖θ_t − θ*‖ / ‖θ* − θ₀‖ (null when θ* = θ₀)
 *   implicit_radius       ‖θ* − θ₀‖
 *   implicit_param_gap    ‖θ_t − θ_lin(t)‖
 *   implicit_lin_gap      ‖f(θ_t, X) − u_lin(t)‖ (training set, all outputs)
 *   implicit_lin_gap_rel  implicit_lin_gap / ‖y‖ (THEORY.md §6.4-4)
 *   implicit_lin_loss     ½‖u_lin(t) − y‖²
 *   implicit_reason       null, or why the fields are null: the closed form needs full-batch GD
 *                         (optimizer 'gd') on the squared loss; non-finite state; linearized GD diverges
 *                         (η·λ_max(Θ₀) > 2 overflows)
 * Baseline: λ, V (N² numbers, N = n·k), Vᵀr₀ and θ* (P numbers).
 * Cost: start O(N²·P) (Θ₀; J-based with 8·N·P bytes when some ℓ ≠ 1) + eigh ≈ 16N³/3 flops + one vjp;
 * per row O(N²) for u_lin, one vjp at θ₀ (O(n·P), trace at θ₀ kept in memory) and O(P).
 */
export const IMPLICIT_FIELDS = ['implicit_dist', 'implicit_dist_rel', 'implicit_radius', 'implicit_param_gap', 'implicit_lin_gap', 'implicit_lin_gap_rel', 'implicit_lin_loss', 'implicit_reason'] as const;

interface Baseline {
  values: Float64Array;
  vectors: Float64Array; // N×N, column j = eigenvector j
  coef: Float64Array; // Vᵀ r₀
  thetaStar: Float64Array;
  radius: number;
}

function inapplicable(ctx: MonitorContext): string | null {
  if (ctx.optimizer !== 'gd') return `the closed-form linearized trajectory needs full-batch gd; optimizer is '${ctx.optimizer}'`;
  if (ctx.loss !== 'squared') return 'the closed-form linearized trajectory needs the squared loss';
  return null;
}

export function implicitMonitor(): Monitor {
  let base: Baseline | null = null;
  let reason: string | null = null;
  let started = false;
  let trace0: ForwardTrace | null = null;

  /** D·J₀ᵀ·V·diag(w)·c as a P-vector (one vjp at θ₀). */
  const pull = (ctx: MonitorContext, b: Baseline, w: (lam: number) => number): Float64Array => {
    const N = b.values.length;
    const z = new Float64Array(N);
    for (let j = 0; j < N; j++) z[j] = w(b.values[j]!) * b.coef[j]!;
    const u = matvec(new Tensor(b.vectors, [N, N]), new Tensor(z, [N]));
    if (!trace0 || trace0.theta !== ctx.theta0 || trace0.X !== ctx.X) trace0 = ctx.model.trace(ctx.theta0, ctx.X);
    const g = ctx.model.vjp(ctx.theta0, ctx.X, u.reshape([ctx.X.rows, ctx.model.outputDim]), trace0);
    const d = lrScales(ctx.model);
    if (d) for (let p = 0; p < g.length; p++) g[p] = g[p]! * d[p]!;
    return g;
  };

  const start = (ctx: MonitorContext): void => {
    started = true;
    reason = inapplicable(ctx);
    if (reason) return;
    const kernel = atInit(ctx) && !lrScales(ctx.model) ? ntkAt(ctx, 'full').kernel : lrWeightedNtk(ctx.model, ctx.theta0, ctx.X);
    const e = eigh(kernel);
    const N = e.values.length;
    const out0 = atInit(ctx) ? ctx.output : ctx.model.forward(ctx.theta0, ctx.X);
    const r0 = residual(out0, ctx.y, 'implicit');
    const vectors = e.vectors.data as Float64Array;
    const coef = matvec(e.vectors.transpose(), new Tensor(r0.data as Float64Array, [N])).data as Float64Array;
    const lmax = N ? Math.max(e.values[N - 1]!, 0) : 0;
    const tol = N * Number.EPSILON * lmax;
    const b: Baseline = { values: e.values, vectors, coef, thetaStar: new Float64Array(0), radius: 0 };
    const step = pull(ctx, b, (lam) => (lam > tol ? 1 / lam : 0));
    const ts = new Float64Array(ctx.theta0.length);
    for (let p = 0; p < ts.length; p++) ts[p] = ctx.theta0[p]! - step[p]!;
    b.thetaStar = ts;
    b.radius = norm2(step);
    base = b;
  };

  return {
    name: 'implicit',
    start,
    measure(ctx): Record<string, RowValue> {
      if (!started) start(ctx);
      const nulls = Object.fromEntries(IMPLICIT_FIELDS.map((f) => [f, null])) as Record<string, RowValue>;
      const why = reason ?? inapplicable(ctx);
      if (why || !base) return { ...nulls, implicit_reason: why ?? 'no baseline' };
      if (!allFinite(ctx.theta) || !allFinite(ctx.output.data)) return { ...nulls, implicit_reason: `non-finite parameters or outputs at step ${ctx.step}` };
      const b = base;
      const N = b.values.length;
      if (ctx.output.size !== N || ctx.theta.length !== b.thetaStar.length) throw new UserError(`implicit: the baseline is for ${N} outputs and ${b.thetaStar.length} parameters, the run has ${ctx.output.size} and ${ctx.theta.length}`);
      const eta = ctx.lr;
      const t = ctx.step;
      const lmax = N ? Math.max(b.values[N - 1]!, 0) : 0;
      const tol = N * Number.EPSILON * lmax;
      // u_lin − y = V (1 − ηλ)ᵗ c
      const z = new Float64Array(N);
      for (let j = 0; j < N; j++) z[j] = Math.pow(1 - eta * b.values[j]!, t) * b.coef[j]!;
      const rLin = matvec(new Tensor(b.vectors, [N, N]), new Tensor(z, [N])).data;
      const g = (lam: number): number => {
        if (!(lam > tol)) return eta * t;
        // (1 − (1 − ηλ)ᵗ)/λ without cancellation for small ηλ
        return eta * lam < 1 ? -Math.expm1(t * Math.log1p(-eta * lam)) / lam : (1 - Math.pow(1 - eta * lam, t)) / lam;
      };
      const dLin = pull(ctx, b, g);
      if (!allFinite(rLin) || !allFinite(dLin)) return { ...nulls, implicit_reason: `the linearized GD diverges (η·λ_max(Θ₀) = ${eta * lmax} > 2)` };
      const r = residual(ctx.output, ctx.y, 'implicit').data;
      let gap = 0;
      for (let i = 0; i < N; i++) gap += (r[i]! - rLin[i]!) ** 2;
      let dist = 0;
      let pgap = 0;
      for (let p = 0; p < ctx.theta.length; p++) {
        dist += (ctx.theta[p]! - b.thetaStar[p]!) ** 2;
        pgap += (ctx.theta[p]! - (ctx.theta0[p]! - dLin[p]!)) ** 2;
      }
      const yNorm = norm2(ctx.y.data);
      return {
        implicit_dist: Math.sqrt(dist),
        implicit_dist_rel: b.radius > 0 ? Math.sqrt(dist) / b.radius : null,
        implicit_radius: b.radius,
        implicit_param_gap: Math.sqrt(pgap),
        implicit_lin_gap: Math.sqrt(gap),
        implicit_lin_gap_rel: yNorm > 0 ? Math.sqrt(gap) / yNorm : null,
        implicit_lin_loss: 0.5 * norm2(rLin) ** 2,
        implicit_reason: null,
      };
    },
    baseline: () => ({
      monitor: 'implicit',
      started,
      reason,
      ...(base
        ? { values: encodeArray(base.values), vectors: encodeArray(base.vectors), coef: encodeArray(base.coef), theta_star: encodeArray(base.thetaStar), radius: encodeNumber(base.radius) }
        : {}),
    }),
    restore(x: unknown): void {
      const o = baselineObject(x, 'implicit');
      started = o.started === true;
      reason = typeof o.reason === 'string' ? o.reason : null;
      trace0 = null;
      if (!started || reason) {
        base = null;
        return;
      }
      const values = decodeArray(o.values, 'values');
      const N = values.length;
      base = {
        values,
        vectors: decodeArray(o.vectors, 'vectors', N * N),
        coef: decodeArray(o.coef, 'coef', N),
        thetaStar: decodeArray(o.theta_star, 'theta_star'),
        radius: decodeNumber(o.radius, 'radius'),
      };
    },
  };
}
