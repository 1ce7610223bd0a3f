import type { Rng } from '../../core/rng.js';
import { balanceNet } from './balance.js';
import { affineRange, type Box } from './domain.js';
import { cloneNet, innerOf, norm2, outerOf, setNeuron, type ShallowNet } from './net.js';

/**
 * The restricted parameter set 𝒮 of Berner et al. 2019 (Thm 3.1; THEORY.md §2.4), on which the
 * realization map is inversely stable w.r.t. a W^{1,∞} norm. Our definition (the paper's exact form is
 * UNCONFIRMED; this is overparam's) for g(x) = Σᵢ aᵢ relu(uᵢ·(x, 1)) + c + V x on a box Ω, every
 * neuron either an EMPTY slot (uᵢ = 0, aᵢ = 0: width "at most m") or satisfying
 *   (i)   balanced: ‖aᵢ‖₂ = ‖uᵢ‖₂ (uᵢ = (wᵢ, bᵢ));
 *   (ii)  distinct directions: no two neurons parallel or opposite, 1 − |cos∠(uᵢ, uⱼ)| > parallelTol;
 *   (iii) active: the hyperplane {wᵢ·x + bᵢ = 0} meets the interior of Ω (min_Ω < 0 < max_Ω);
 *   (iv)  the affine part of the realization lives in its own parameters (c, V) — not in neurons —
 *         and every neuron is oriented: the first non-zero entry of wᵢ is positive. Orientation is
 *         needed because relu(z) = relu(−z) + z: with a free affine part, (u, a) and (−u, a) + affine
 *         realize the same function (for d = 1: every kink "faces right", wᵢ > 0). For d ≥ 2 this
 *         convention is discontinuous where the first entry of wᵢ changes sign — a stated limitation.
 *
 * `projectRestricted` maps any net onto 𝒮 WITHOUT changing its realization on Ω (exactly, up to
 * rounding, when parallelTol only catches exact parallels), which is the paper's "nothing learnable is
 * lost" for a fixed width: every realization of the unrestricted set is one of 𝒮 (THEORY.md §2.4):
 *   1. neurons realizing 0 (aᵢ = 0 or uᵢ = 0) become empty slots; wᵢ = 0 gives the constant aᵢ relu(bᵢ) → c;
 *   2. inactive neurons (THEORY.md §2.3-4): max_Ω(wᵢ·x + bᵢ) ≤ 0 → removed (zero on Ω);
 *      min_Ω ≥ 0 → folded into the affine part, c += aᵢbᵢ, V += aᵢwᵢᵀ (the neuron is affine on Ω);
 *   3. orientation: a relu(z) = a relu(−z) + a z, so (u, a) → (−u, a) with c += a b, V += a wᵀ;
 *   4. after 3 an opposite pair (§2.3-3, ρ(z) − ρ(−z) = z) has become parallel; parallel neurons
 *      (§2.3-2) merge, uⱼ = μuᵢ ⇒ aᵢ relu(uᵢ·) + aⱼ relu(μuᵢ·) = (aᵢ + μaⱼ) relu(uᵢ·);
 *   5. the balancing map B (balance.ts; §2.3-1, §2.5-1).
 * Merging near-parallel neurons (1 − cos ≤ parallelTol > 0) changes the realization by at most
 * |aⱼ|·‖uⱼ − μuᵢ‖·sup_Ω‖(x, 1)‖.
 */
export interface RestrictedOptions {
  domain: Box;
  /** Two neurons are parallel/opposite when 1 − |cos∠(uᵢ, uⱼ)| ≤ parallelTol (default 1e-12). */
  parallelTol?: number;
  /** Relative tolerance of the balance check (default 1e-9). */
  balanceTol?: number;
  /** Activity margin: need min_Ω < −margin·‖uᵢ‖ and max_Ω > margin·‖uᵢ‖ (default 0). */
  activeMargin?: number;
}

export type RestrictedCondition = 'balanced' | 'distinct' | 'active' | 'oriented';

export interface Violation {
  condition: RestrictedCondition;
  neuron: number;
  other?: number;
  /** The offending number (balance defect, 1 − |cos|, min/max over Ω, first entry of w). */
  value: number;
  message: string;
}

export interface RestrictedCheck {
  ok: boolean;
  violations: Violation[];
  /** Neurons that are not empty slots. */
  active: number;
}

export interface Projection {
  net: ShallowNet;
  /** Neurons removed because they realize 0 on Ω. */
  removed: number;
  /** Neurons folded into the affine part (affine on Ω, or constant). */
  folded: number;
  /** Neurons re-oriented. */
  flipped: number;
  /** Neurons merged into a parallel one. */
  merged: number;
}

/** Sign of the first non-zero entry of w (0 for w = 0). */
export function orientationOf(w: ArrayLike<number>): number {
  for (let j = 0; j < w.length; j++) if (w[j] !== 0) return Math.sign(w[j]!);
  return 0;
}

export function isEmptySlot(net: ShallowNet, i: number): boolean {
  return norm2(innerOf(net, i)) === 0 && norm2(outerOf(net, i)) === 0;
}

function cosine(u: Float64Array, v: Float64Array): number {
  let s = 0;
  for (let p = 0; p < u.length; p++) s += u[p]! * v[p]!;
  return s / (norm2(u) * norm2(v));
}

/** Check conditions (i)–(iv) on every non-empty neuron. */
export function checkRestricted(net: ShallowNet, opts: RestrictedOptions): RestrictedCheck {
  const tolP = opts.parallelTol ?? 1e-12;
  const tolB = opts.balanceTol ?? 1e-9;
  const margin = opts.activeMargin ?? 0;
  const { d } = net;
  const violations: Violation[] = [];
  const live: number[] = [];
  for (let i = 0; i < net.m; i++) {
    if (isEmptySlot(net, i)) continue;
    live.push(i);
    const u = innerOf(net, i);
    const nu = norm2(u);
    const na = norm2(outerOf(net, i));
    const defect = Math.abs(na - nu);
    if (!(defect <= tolB * Math.max(nu, na)) || nu === 0 || na === 0) {
      violations.push({ condition: 'balanced', neuron: i, value: defect, message: `neuron ${i}: ‖a‖ = ${na} but ‖(w, b)‖ = ${nu}` });
    }
    const w = u.subarray(0, d);
    const o = orientationOf(w);
    if (o <= 0) violations.push({ condition: 'oriented', neuron: i, value: o, message: `neuron ${i}: first non-zero entry of w is ${o === 0 ? 'missing (w = 0)' : 'negative'}` });
    const [zmin, zmax] = affineRange(opts.domain, w, u[d]!);
    if (!(zmin < -margin * nu && zmax > margin * nu)) {
      violations.push({ condition: 'active', neuron: i, value: zmin >= 0 ? zmin : zmax, message: `neuron ${i}: w·x + b ranges over [${zmin}, ${zmax}] on Ω, its hyperplane misses the interior` });
    }
  }
  for (let p = 0; p < live.length; p++) {
    for (let q = p + 1; q < live.length; q++) {
      const i = live[p]!;
      const j = live[q]!;
      const c = cosine(innerOf(net, i), innerOf(net, j));
      if (1 - Math.abs(c) <= tolP) {
        violations.push({ condition: 'distinct', neuron: i, other: j, value: 1 - Math.abs(c), message: `neurons ${i} and ${j} are ${c > 0 ? 'parallel' : 'opposite'} (cos = ${c})` });
      }
    }
  }
  return { ok: violations.length === 0, violations, active: live.length };
}

/** Project onto 𝒮 preserving the realization on Ω (steps 1–5 of the module docstring). */
export function projectRestricted(input: ShallowNet, opts: RestrictedOptions): Projection {
  const tolP = opts.parallelTol ?? 1e-12;
  const net = cloneNet(input);
  const { d, k } = net;
  const zu = new Float64Array(d + 1);
  const za = new Float64Array(k);
  let removed = 0;
  let folded = 0;
  let flipped = 0;
  let merged = 0;
  const addAffine = (u: Float64Array, a: Float64Array, sign: number) => {
    for (let r = 0; r < k; r++) {
      net.c[r] += sign * a[r]! * u[d]!;
      for (let j = 0; j < d; j++) net.v[r * d + j] += sign * a[r]! * u[j]!;
    }
  };
  for (let i = 0; i < net.m; i++) {
    if (isEmptySlot(net, i)) continue;
    const u = innerOf(net, i);
    const a = outerOf(net, i);
    const w = u.subarray(0, d);
    if (norm2(a) === 0 || norm2(u) === 0) {
      setNeuron(net, i, zu, za);
      removed++;
      continue;
    }
    if (orientationOf(w) === 0) {
      const rb = Math.max(0, u[d]!);
      for (let r = 0; r < k; r++) net.c[r] += a[r]! * rb;
      setNeuron(net, i, zu, za);
      folded++;
      continue;
    }
    const [zmin, zmax] = affineRange(opts.domain, w, u[d]!);
    if (zmax <= 0) {
      setNeuron(net, i, zu, za);
      removed++;
      continue;
    }
    if (zmin >= 0) {
      addAffine(u, a, 1);
      setNeuron(net, i, zu, za);
      folded++;
      continue;
    }
    if (orientationOf(w) < 0) {
      addAffine(u, a, 1);
      setNeuron(
        net,
        i,
        u.map((x) => -x),
        a,
      );
      flipped++;
    }
  }
  for (let i = 0; i < net.m; i++) {
    if (isEmptySlot(net, i)) continue;
    for (let j = i + 1; j < net.m; j++) {
      if (isEmptySlot(net, j)) continue;
      const ui = innerOf(net, i);
      const uj = innerOf(net, j);
      if (1 - cosine(ui, uj) > tolP) continue;
      const mu = norm2(uj) / norm2(ui);
      const ai = outerOf(net, i);
      const aj = outerOf(net, j);
      setNeuron(
        net,
        i,
        ui,
        ai.map((x, r) => x + mu * aj[r]!),
      );
      setNeuron(net, j, zu, za);
      merged++;
    }
  }
  const out = balanceNet(net);
  return { net: out, removed, folded, flipped, merged };
}

/**
 * Fill empty slots with small active neurons (for restricted training, restricted-training.ts): a
 * random unit normal n (oriented), a kink point x₀ uniform in Ω, u = s·(n, −n·x₀)/‖(n, −n·x₀)‖ and
 * a = s·(random unit vector in R^k) — balanced, active, and (with probability 1) not parallel to any
 * other neuron. This changes the realization by at most s²·sup_Ω ‖(x, 1)‖ per slot.
 */
export function reactivateSlots(net: ShallowNet, domain: Box, rng: Rng, scale: number): number {
  const { d, k } = net;
  let count = 0;
  for (let i = 0; i < net.m; i++) {
    if (!isEmptySlot(net, i)) continue;
    const n = Float64Array.from({ length: d }, () => rng.normal());
    if (orientationOf(n) < 0) for (let j = 0; j < d; j++) n[j] = -n[j]!;
    let off = 0;
    for (let j = 0; j < d; j++) off -= n[j]! * domain.lo[j]! + n[j]! * (domain.hi[j]! - domain.lo[j]!) * (0.05 + 0.9 * rng.uniform());
    const u = Float64Array.from([...n, off]);
    const nu = norm2(u);
    const a = Float64Array.from({ length: k }, () => rng.normal());
    const na = norm2(a);
    setNeuron(
      net,
      i,
      u.map((x) => (scale * x) / nu),
      a.map((x) => (scale * x) / na),
    );
    count++;
  }
  return count;
}
