import { UserError } from '../core/errors.js';
import { allFinite } from '../core/ops/elementwise.js';
import { Tensor } from '../core/tensor.js';
import type { ForwardTrace, Model } from '../nn/model.js';
import type { MonitorContext } from '../nn/monitor.js';

/**
 * Small readers of a MonitorContext shared by the monitors (src/nn/monitor.ts): the trace at θ_t when
 * it can be reused, the squared-loss residual r = f(θ_t, X) − y, finiteness checks and norms.
 */

/** ctx.trace when it was computed from exactly ctx.theta and ctx.X (StackModel checks identity). */
export function traceOf(ctx: MonitorContext): ForwardTrace | undefined {
  const t = ctx.trace;
  return t && t.theta === ctx.theta && t.X === ctx.X ? t : undefined;
}

/** r = f − y as an n×k Tensor (the cotangent ∂L/∂f of L = ½Σ‖f − y‖²). */
export function residual(output: Tensor, y: Tensor, what: string): Tensor {
  if (output.size !== y.size) throw new UserError(`${what}: outputs have ${output.size} entries but targets y have ${y.size}; y must be n×k like the outputs`);
  const r = new Float64Array(output.size);
  for (let i = 0; i < r.length; i++) r[i] = output.data[i]! - y.data[i]!;
  return new Tensor(r, output.shape);
}

/** ½ Σ (f − y)² — the squared training loss of DESIGN.md. */
export function halfSquaredSum(r: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i]! * r[i]!;
  return 0.5 * s;
}

export function norm2(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

export { allFinite };

/** True when the state of the row is finite (θ_t and f(θ_t, X)); monitors return nulls otherwise. */
export function stateFinite(ctx: MonitorContext): boolean {
  return allFinite(ctx.theta) && allFinite(ctx.output.data);
}

/** Number of trainable parameters. */
export function trainableCount(model: Model): number {
  let m = 0;
  for (const s of model.slices) if (s.trainable) m += s.size;
  return m;
}

/**
 * Per-parameter learning-rate scale ℓ_p of the parametrization (0 on frozen slices): GD updates
 * θ ← θ − η·D·∇L with D = diag(ℓ). `null` when every trainable ℓ is 1 (D = identity on the trainable set).
 */
export function lrScales(model: Model): Float64Array | null {
  if (model.slices.every((s) => !s.trainable || s.lrScale === 1)) return null;
  const d = new Float64Array(model.numParams);
  for (const s of model.slices) if (s.trainable) d.fill(s.lrScale, s.offset, s.offset + s.size);
  return d;
}

/** Checks a positive finite number option (UserError naming the field otherwise). */
export function positiveOption(value: number | undefined, fallback: number, field: string): number {
  const v = value ?? fallback;
  if (!(Number.isFinite(v) && v > 0)) throw new UserError(`${field}: expected a finite number > 0, got ${String(value)}`);
  return v;
}

/** Checks a non-negative integer option. */
export function countOption(value: number | undefined, fallback: number, field: string, min = 0): number {
  const v = value ?? fallback;
  if (!(Number.isInteger(v) && v >= min)) throw new UserError(`${field}: expected an integer ≥ ${min}, got ${String(value)}`);
  return v;
}

/** The seed option of monitors that draw Lanczos start vectors (a fresh Rng per measurement keeps rows a pure function of the state). */
export function seedOption(value: number | undefined): number {
  const v = value ?? 0;
  if (!Number.isSafeInteger(v)) throw new UserError(`seed: expected an integer, got ${String(value)}`);
  return v;
}

/** True when θ_t equals θ₀ entry for entry (then row-cached quantities at θ_t serve the baseline). */
export function atInit(ctx: MonitorContext): boolean {
  const a = ctx.theta;
  const b = ctx.theta0;
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
