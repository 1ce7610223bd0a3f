import { UserError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { Model } from '../nn/model.js';
import { squaredLoss } from './loss.js';
import { outputSpaceGd } from './output-space-gd.js';
import type { Evaluation } from './optimizer.js';

/**
 * Chen & Muñoz Ewald's adapted gradient flow in continuous time (arXiv 2311.15487, 2408.01517;
 * THEORY.md §3.2–3.4 test 4, typography UNCONFIRMED), integrated by explicit Euler in their time s:
 *
 *   ∂_s θ = −D⁺ ∇_x C,   C[x] = (1/(2N))·|x − y|²,   ∇_x C = (1/N)(x − y)     (N samples, Q outputs each)
 *   Euler step h:  θ ← θ − h·D⁺(1/N)(f − y)  =  output-space GD with η = h/N (output-space-gd.ts).
 *
 * Under the rank condition the exact flow has C(s) = e^{−2s/N}·C(0), so C ≤ ε is first reached at the
 * a-priori stopping time T(ε) = (N/2)·ln(C₀/ε) — whatever the network, data or initialization. The
 * integrator reports the hitting time s* it observes: the Euler step k with C_k ≤ ε < C_{k−1}, refined by
 * interpolating ln C linearly between the two steps (exact for the exponential decay of the flow), so s*
 * is not quantized to multiples of h. Euler's own error: on the flow's linear part C_k = (1 − η)^{2k}C₀,
 * so s* / T = η/(−ln(1 − η)) = 1 − η/2 + O(η²) — the default η = h/N = 0.005 puts s* ≈ 0.25% below T
 * (`eulerRatio` gives that prediction; nonlinearity adds O(η²) per step).
 * In overparam's units L = ½Σ‖f − y‖² = N·C; ε here is in Chen's units of C (divide an L-threshold by N).
 * Only the squared loss is defined; a non-finite C stops with a UserError naming the Euler step. Cost: one output-space GD step per Euler step (structured NTK,
 * Cholesky of the (N·Q)² Gram matrix), ln(C₀/ε)/(2η) steps to reach ε.
 */
export interface OutputSpaceFlowOptions {
  model: Model;
  /** θ(s = 0) (copied; the model's own parameter checks apply). */
  params: Float64Array;
  data: { readonly X: Tensor; readonly y: Tensor };
  /** Target ε > 0 for Chen's cost C = (1/(2N))·|x − y|². */
  epsilon: number;
  /** Euler step h in s (default 0.005·N, i.e. η = h/N = 0.005). */
  ds?: number;
  /** Stop at s = maxTime even if C > ε (default 4·T(ε) + 100·h). */
  maxTime?: number;
  /** Passed to the output-space step (output-space-gd.ts). */
  jitter?: number;
  rankRtol?: number;
  /** Called with every Euler point, s = 0 first. */
  onPoint?: (p: FlowPoint) => void;
}

export interface FlowPoint {
  /** Euler step k and its time s = k·h. */
  readonly step: number;
  readonly s: number;
  /** C(θ_k) = L/N. */
  readonly cost: number;
  /** rank J decided by the step taken at θ_k (null at the last point). */
  readonly rank: number | null;
  readonly rankDeficient: boolean | null;
}

export interface OutputSpaceFlowResult {
  /** s* (interpolated), or null when C ≤ ε was not reached by maxTime. */
  readonly hittingTime: number | null;
  /** T(ε) = (N/2)·ln(C₀/ε) (0 when C₀ ≤ ε). */
  readonly predicted: number;
  /** (s* − T)/T, null when not reached or T = 0. */
  readonly relError: number | null;
  /** Euler's prediction of s* / T on the flow's linear part: η/(−ln(1 − η)). */
  readonly eulerRatio: number;
  readonly cost0: number;
  readonly ds: number;
  readonly steps: number;
  /** Some step found rank J < N·Q (the theorem's hypothesis failed; see the stopping monitor). */
  readonly rankLost: boolean;
  readonly points: FlowPoint[];
  /** θ at the last Euler point. */
  readonly params: Float64Array;
}

export function outputSpaceFlow(opts: OutputSpaceFlowOptions): OutputSpaceFlowResult {
  const { model, data, epsilon } = opts;
  const N = data.X.rows;
  if (!(Number.isFinite(epsilon) && epsilon > 0)) throw new UserError(`outputSpaceFlow: epsilon must be a positive finite number, got ${epsilon}`);
  const h = opts.ds ?? 0.005 * N;
  if (!(Number.isFinite(h) && h > 0)) throw new UserError(`outputSpaceFlow: ds must be a positive finite number, got ${h}`);
  const eta = h / N;
  if (!(eta < 1)) throw new UserError(`outputSpaceFlow: ds = ${h} gives η = ds/N = ${eta} ≥ 1, which is no longer a small Euler step; use ds < N = ${N}`);
  const optimizer = outputSpaceGd({ lr: eta, jitter: opts.jitter, rankRtol: opts.rankRtol });
  const theta = Float64Array.from(opts.params);
  const evaluate = (): Evaluation => {
    const trace = model.trace(theta, data.X);
    return { trace, output: trace.output, loss: squaredLoss(trace.output, data.y) };
  };
  let ev = evaluate();
  const cost0 = ev.loss.loss / N;
  const predicted = cost0 > epsilon ? (N / 2) * Math.log(cost0 / epsilon) : 0;
  const maxTime = opts.maxTime ?? 4 * predicted + 100 * h;
  if (!(Number.isFinite(maxTime) && maxTime >= 0)) throw new UserError(`outputSpaceFlow: maxTime must be a finite number ≥ 0, got ${maxTime}`);
  const maxSteps = Math.ceil(maxTime / h);
  const points: FlowPoint[] = [];
  for (let step = 0; ; step++) {
    const cost = ev.loss.loss / N;
    if (!Number.isFinite(cost)) throw new UserError(`outputSpaceFlow: C became ${cost} at Euler step ${step} (s = ${step * h}); use a smaller ds or check the rank condition (os_rank)`);
    const last = cost <= epsilon || step >= maxSteps;
    let rank: number | null = null;
    let rankDeficient: boolean | null = null;
    if (!last) {
      const cur = ev;
      const res = optimizer.step({ model, theta, X: data.X, y: data.y, loss: 'squared', step, evaluate: () => cur });
      rank = typeof res.fields?.os_rank === 'number' ? res.fields.os_rank : null;
      rankDeficient = typeof res.fields?.os_rank_deficient === 'boolean' ? res.fields.os_rank_deficient : null;
    }
    const p: FlowPoint = { step, s: step * h, cost, rank, rankDeficient };
    points.push(p);
    opts.onPoint?.(p);
    if (last) break;
    ev = evaluate();
  }
  const k = points.findIndex((p) => p.cost <= epsilon);
  let hittingTime: number | null = null;
  if (k === 0) hittingTime = 0;
  else if (k > 0) {
    const a = Math.log(points[k - 1]!.cost);
    const b = Math.log(points[k]!.cost);
    const frac = b < a ? (a - Math.log(epsilon)) / (a - b) : 1;
    hittingTime = h * (k - 1 + Math.min(1, Math.max(0, frac)));
  }
  return {
    hittingTime,
    predicted,
    relError: hittingTime !== null && predicted > 0 ? (hittingTime - predicted) / predicted : null,
    eulerRatio: eta / -Math.log1p(-eta),
    cost0,
    ds: h,
    steps: points.length - 1,
    rankLost: points.some((p) => p.rankDeficient === true),
    points,
    params: theta,
  };
}
