import { UserError } from '../../core/errors.js';
import { matmul } from '../../core/linalg/matmul.js';
import type { Rng } from '../../core/rng.js';
import { Tensor } from '../../core/tensor.js';
import type { Model } from '../../nn/model.js';
import type { Box } from './domain.js';
import { netFromTheta, netToTheta, zeroNet, type ShallowNet } from './net.js';
import { checkRestricted, projectRestricted, reactivateSlots, type RestrictedCheck } from './restricted.js';

/**
 * "Nothing learnable is lost" (Berner et al. 2019, §3; THEORY.md §2.4): gradient descent on the
 * restricted set 𝒮 (restricted.ts) against plain gradient descent, same model, data, initialization,
 * step size and number of steps. diag may not import src/train, so both loops are written here, on
 * model.forward / model.vjp, with the loss of DESIGN.md, L = ½ Σᵢ ‖f(xᵢ) − yᵢ‖², and GD
 * θ ← θ − η·ℓ_s·∇L (ℓ_s = the slice's learning-rate scale, 1 for the standard parametrization).
 *
 * - unrestricted: plain GD on θ of the shallow ReLU model;
 * - restricted (projected GD): the state is a ShallowNet with an affine part V (𝒮's condition (iv));
 *   the realization is model.forward(θ, X) + X Vᵀ; one step is a GD step on (θ, V) — ∇_θ by model.vjp,
 *   ∇_V L = Rᵀ X — followed by the projection P onto 𝒮 (realization-preserving: balance, orientation,
 *   inactive neurons folded into (c, V) or removed, parallel neurons merged with tolerance
 *   `parallelTol`), and every empty slot is re-activated with a small random balanced neuron of norm
 *   `reactivateScale` (restricted.ts reactivateSlots — the only step that changes the realization,
 *   by ≤ s²·sup‖(x, 1)‖ per slot). The start is P(θ₀) with re-activation.
 * Loss rows follow DESIGN.md: loss[t] is the loss of the state before update t + 1, t = 0…S. A
 * non-finite loss stops that run and is reported with its step (`divergedAt`).
 */
export interface RestrictedTrainingOptions {
  model: Model;
  theta0: Float64Array;
  X: Tensor;
  y: Tensor;
  steps: number;
  lr: number;
  domain: Box;
  /** For re-activating empty slots. */
  rng: Rng;
  /** Norm of re-activated neurons (default 1e-3). */
  reactivateScale?: number;
  /** Merge tolerance 1 − cos (default 1e-8). */
  parallelTol?: number;
}

export interface TrainingRun {
  /** loss[t], t = 0…S (shorter when the run diverged). */
  loss: Float64Array;
  /** Step at which the loss became non-finite, or null. */
  divergedAt: number | null;
}

export interface RestrictedTrainingResult {
  unrestricted: TrainingRun & { theta: Float64Array };
  restricted: TrainingRun & { net: ShallowNet; check: RestrictedCheck };
  /** Totals of the projections and re-activations over the restricted run. */
  counts: { removed: number; folded: number; flipped: number; merged: number; reactivated: number };
}

/**
 * θ of a member of 𝒮 for `model` (V = 0, c = 0): every neuron active, oriented and balanced with norm
 * `scale` (default m^{−1/4}, the balanced size of a standard init's neuron, |a||w| ~ m^{−1/2}), kinks
 * uniform inside Ω (reactivateSlots). A common start for both runs of compareRestrictedTraining, so
 * they begin with the same realization and the same GD geometry.
 */
export function restrictedInit(model: Model, domain: Box, rng: Rng, scale?: number): Float64Array {
  const probe = netFromTheta(model, new Float64Array(model.numParams));
  const net = zeroNet(probe.d, probe.m, probe.k);
  reactivateSlots(net, domain, rng, scale ?? probe.m ** -0.25);
  return netToTheta(model, net);
}

function halfSq(f: Tensor, y: Tensor): { loss: number; r: Tensor } {
  const r = new Float64Array(f.size);
  let s = 0;
  for (let i = 0; i < r.length; i++) {
    r[i] = f.data[i]! - y.data[i]!;
    s += r[i]! * r[i]!;
  }
  return { loss: 0.5 * s, r: new Tensor(r, f.shape) };
}

function lrScales(model: Model): Float64Array {
  const s = new Float64Array(model.numParams);
  for (const sl of model.slices) s.fill(sl.lrScale, sl.offset, sl.offset + sl.size);
  return s;
}

export function compareRestrictedTraining(opts: RestrictedTrainingOptions): RestrictedTrainingResult {
  const { model, X, y, lr, steps, domain } = opts;
  if (!Number.isInteger(steps) || steps < 0) throw new UserError(`restricted training: steps must be a non-negative integer, got ${steps}`);
  if (!(lr > 0)) throw new UserError(`restricted training: lr must be positive, got ${lr}`);
  if (y.rows !== X.rows || y.cols !== model.outputDim) throw new UserError(`restricted training: y must be ${X.rows}×${model.outputDim}, got [${y.shape.join(', ')}]`);
  const scale = lrScales(model);
  const tolP = opts.parallelTol ?? 1e-8;
  const sReact = opts.reactivateScale ?? 1e-3;

  // Unrestricted plain GD.
  const theta = opts.theta0.slice();
  const lossU: number[] = [];
  let divU: number | null = null;
  for (let t = 0; t <= steps; t++) {
    const { loss, r } = halfSq(model.forward(theta, X), y);
    if (!Number.isFinite(loss)) {
      divU = t;
      break;
    }
    lossU.push(loss);
    if (t === steps) break;
    const g = model.vjp(theta, X, r);
    for (let p = 0; p < theta.length; p++) theta[p] -= lr * scale[p]! * g[p]!;
  }

  // Projected GD on the restricted set.
  const counts = { removed: 0, folded: 0, flipped: 0, merged: 0, reactivated: 0 };
  const project = (n: ShallowNet): ShallowNet => {
    const p = projectRestricted(n, { domain, parallelTol: tolP });
    counts.removed += p.removed;
    counts.folded += p.folded;
    counts.flipped += p.flipped;
    counts.merged += p.merged;
    counts.reactivated += reactivateSlots(p.net, domain, opts.rng, sReact);
    return p.net;
  };
  let net = project(netFromTheta(model, opts.theta0));
  const { d, k } = net;
  const lossR: number[] = [];
  let divR: number | null = null;
  for (let t = 0; t <= steps; t++) {
    const V = net.v.slice();
    const th = netToTheta(model, { ...net, v: new Float64Array(V.length) });
    const f = model.forward(th, X);
    const fx = matmul(X, new Tensor(V, [k, d]), { transB: true });
    for (let i = 0; i < f.size; i++) f.data[i] += fx.data[i]!;
    const { loss, r } = halfSq(f, y);
    if (!Number.isFinite(loss)) {
      divR = t;
      break;
    }
    lossR.push(loss);
    if (t === steps) break;
    const g = model.vjp(th, X, r);
    for (let p = 0; p < th.length; p++) th[p] -= lr * scale[p]! * g[p]!;
    const gV = matmul(r, X, { transA: true });
    const next = netFromTheta(model, th);
    for (let i = 0; i < V.length; i++) next.v[i] = V[i]! - lr * gV.data[i]!;
    net = project(next);
  }
  return {
    unrestricted: { loss: Float64Array.from(lossU), divergedAt: divU, theta },
    restricted: { loss: Float64Array.from(lossR), divergedAt: divR, net, check: checkRestricted(net, { domain, parallelTol: tolP }) },
    counts,
  };
}
