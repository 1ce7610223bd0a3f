import { gram } from '../core/linalg/index.js';
import { Tensor } from '../core/tensor.js';
import { jacobian } from '../nn/jacobian.js';
import type { KernelOutputs, Model } from '../nn/model.js';
import type { MonitorContext } from '../nn/monitor.js';
import { empiricalNtk, type NtkPart } from '../nn/ntk/empirical.js';
import { lrScales, traceOf } from './context.js';

/**
 * Per-row cache of the expensive objects several monitors read at θ_t — the empirical NTK H(t)
 * (nn/ntk/empirical.ts, structured path) and the Jacobian J(t) (nn/jacobian.ts) — so that spectrum,
 * drift, sharpness … on one row compute H(t) once. Keyed by the MonitorContext object and validated
 * against the model, X and a copy of θ_t (an O(P) comparison), so a context object reused with other
 * parameters is never served a stale kernel. Cached values are shared: callers must not modify them.
 */
interface Entry {
  readonly model: Model;
  readonly X: Tensor;
  readonly theta: Float64Array;
  readonly values: Map<string, unknown>;
}

const cache = new WeakMap<MonitorContext, Entry>();

function same(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function cached<T>(ctx: MonitorContext, key: string, compute: () => T): T {
  let e = cache.get(ctx);
  if (!e || e.model !== ctx.model || e.X !== ctx.X || !same(e.theta, ctx.theta)) {
    e = { model: ctx.model, X: ctx.X, theta: ctx.theta.slice(), values: new Map() };
    cache.set(ctx, e);
  }
  if (e.values.has(key)) return e.values.get(key) as T;
  const v = compute();
  e.values.set(key, v);
  return v;
}

export interface KernelWithParts {
  readonly kernel: Tensor;
  readonly parts?: readonly NtkPart[];
}

/** H(θ) on X (full (n·k)² or traced n²), with the per-layer parts when asked. Cost O((nk)²·P). */
export function ntkWith(model: Model, theta: Float64Array, X: Tensor, outputs: KernelOutputs, parts: boolean): KernelWithParts {
  const r = empiricalNtk(model, theta, X, { outputs, parts });
  return { kernel: r.kernel, parts: r.parts };
}

/** H(t) = H(θ_t) on the training inputs, cached per row (a parts request also serves the total). */
export function ntkAt(ctx: MonitorContext, outputs: KernelOutputs, parts = false): KernelWithParts {
  if (!parts) {
    const withParts = cachedPeek(ctx, `ntk:${outputs}:parts`) as KernelWithParts | undefined;
    if (withParts) return withParts;
  }
  return cached(ctx, `ntk:${outputs}${parts ? ':parts' : ''}`, () => ntkWith(ctx.model, ctx.theta, ctx.X, outputs, parts));
}

function cachedPeek(ctx: MonitorContext, key: string): unknown {
  const e = cache.get(ctx);
  if (!e || e.model !== ctx.model || e.X !== ctx.X || !same(e.theta, ctx.theta)) return undefined;
  return e.values.get(key);
}

/** J(t) = ∂f(θ_t, X)/∂θ, (n·k) × P, cached per row. Cost O(n·k·P) time and 8·n·k·P bytes. */
export function jacobianAt(ctx: MonitorContext): Tensor {
  return cached(ctx, 'jacobian', () => jacobian(ctx.model, ctx.theta, ctx.X, traceOf(ctx)));
}

/**
 * The kernel that drives GD in output space, Θ_D = J·D·Jᵀ (full (n·k)², sample-major), with
 * D = diag(ℓ) the per-parameter learning-rate scales of the parametrization: GD θ ← θ − η·D·∇L moves
 * u ← u − η·Θ_D·(u − y) to first order. For D = I (standard / NTK parametrization) it is the empirical
 * NTK (structured path, O((nk)²·P)); otherwise it is formed from the materialized Jacobian with its
 * columns scaled by √ℓ (O(n·k·P) memory, O((nk)²·P) time).
 */
export function lrWeightedNtk(model: Model, theta: Float64Array, X: Tensor): Tensor {
  const d = lrScales(model);
  if (!d) return empiricalNtk(model, theta, X, { outputs: 'full' }).kernel;
  const J = jacobian(model, theta, X);
  const P = model.numParams;
  const rows = J.rows;
  const s = d.map(Math.sqrt);
  const a = J.data as Float64Array;
  for (let i = 0; i < rows; i++) for (let p = 0; p < P; p++) a[i * P + p] = a[i * P + p]! * s[p]!;
  return gram(J);
}
