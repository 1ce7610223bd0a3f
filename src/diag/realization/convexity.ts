import { UserError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import type { Model } from '../../nn/model.js';
import { cloneNet, netFromTheta, netToTheta } from './net.js';

/**
 * The convexity picture of Berner et al. 2019 (§1; THEORY.md §2.1, §1.4-2, §2.5-5): the squared loss
 * L(f) = ½ Σᵢ ‖f(xᵢ) − yᵢ‖² (DESIGN.md) is convex in the realization f, not in the parameters θ.
 * Between two networks θ_a, θ_b we sample t ∈ [0, 1] and compare, against the chord (1−t)L_a + tL_b,
 *   realization segment:  L((1−t) f_{θ_a} + t f_{θ_b})  — convex (a quadratic in t with ½‖r_b − r_a‖² ≥ 0
 *                          as leading coefficient), never above the chord;
 *   parameter segment:    L(f_{(1−t)θ_a + tθ_b})       — can rise above the chord.
 * A clean witness is θ_b = a neuron permutation of θ_a (`permuteNeurons`): same realization and loss,
 * so the chord is flat, but the parameter midpoint averages different neurons.
 */
export interface ConvexityProfile {
  t: Float64Array;
  parameterLoss: Float64Array;
  realizationLoss: Float64Array;
  chord: Float64Array;
  /** max_t (realizationLoss − chord): ≤ 0 up to rounding. */
  realizationExcess: number;
  /** max_t (parameterLoss − chord): > 0 witnesses non-convexity in θ. */
  parameterExcess: number;
  /** The t where parameterExcess is attained. */
  parameterExcessAt: number;
}

function loss(f: Tensor, y: Tensor): number {
  let s = 0;
  for (let i = 0; i < f.size; i++) s += (f.data[i]! - y.data[i]!) ** 2;
  return 0.5 * s;
}

export function convexityProfile(model: Model, thetaA: Float64Array, thetaB: Float64Array, X: Tensor, y: Tensor, points = 101): ConvexityProfile {
  if (thetaA.length !== model.numParams || thetaB.length !== model.numParams) throw new UserError(`convexity: θ_a and θ_b must have ${model.numParams} entries`);
  if (!Number.isInteger(points) || points < 3) throw new UserError(`convexity: points must be an integer ≥ 3, got ${points}`);
  const fa = model.forward(thetaA, X);
  const fb = model.forward(thetaB, X);
  if (fa.size !== y.size) throw new UserError(`convexity: y has ${y.size} entries, the outputs ${fa.size}`);
  const La = loss(fa, y);
  const Lb = loss(fb, y);
  const t = Float64Array.from({ length: points }, (_, i) => i / (points - 1));
  const parameterLoss = new Float64Array(points);
  const realizationLoss = new Float64Array(points);
  const chord = new Float64Array(points);
  const ft = fa.clone();
  let realizationExcess = -Infinity;
  let parameterExcess = -Infinity;
  let parameterExcessAt = 0;
  for (let q = 0; q < points; q++) {
    const s = t[q]!;
    const th = thetaA.map((x, p) => (1 - s) * x + s * thetaB[p]!);
    parameterLoss[q] = loss(model.forward(th, X), y);
    for (let i = 0; i < ft.size; i++) ft.data[i] = (1 - s) * fa.data[i]! + s * fb.data[i]!;
    realizationLoss[q] = loss(ft, y);
    chord[q] = (1 - s) * La + s * Lb;
    realizationExcess = Math.max(realizationExcess, realizationLoss[q]! - chord[q]!);
    if (parameterLoss[q]! - chord[q]! > parameterExcess) {
      parameterExcess = parameterLoss[q]! - chord[q]!;
      parameterExcessAt = s;
    }
  }
  return { t, parameterLoss, realizationLoss, chord, realizationExcess, parameterExcess, parameterExcessAt };
}

/** θ with the hidden neurons of a shallow ReLU model permuted (neuron i ← neuron perm[i]); same realization. */
export function permuteNeurons(model: Model, theta: Float64Array, perm: ArrayLike<number>): Float64Array {
  const net = netFromTheta(model, theta);
  const { d, m, k } = net;
  if (perm.length !== m || new Set(Array.from(perm)).size !== m || Array.from(perm).some((p) => !(p >= 0 && p < m))) throw new UserError(`permuteNeurons: need a permutation of 0…${m - 1}`);
  const out = cloneNet(net);
  for (let i = 0; i < m; i++) {
    const p = perm[i]!;
    for (let j = 0; j < d; j++) out.w[i * d + j] = net.w[p * d + j]!;
    out.b[i] = net.b[p]!;
    for (let r = 0; r < k; r++) out.a[r * m + i] = net.a[r * m + p]!;
  }
  return netToTheta(model, out);
}
