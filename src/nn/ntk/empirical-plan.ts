import { UserError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import type { KernelOutputs, Model } from '../model.js';

/** Default memory budget of the empirical NTK: 2 GiB. */
export const DEFAULT_NTK_MEMORY = 2 ** 31;

export type NtkImplementation = 'structured' | 'jacobian' | 'ntvp';

/**
 * Peak-memory model of the three NTK paths (bytes, float64), used to choose the sample block B.
 * Notation: N₁, N₂ kernel rows/cols (n·k full, n traced), k outputs, d inputs, P parameters,
 * W = Σ over weight tensors of their output width (features per sample kept by a forward pass),
 * F = d + (k + 4)·W doubles per sample for one block's forward caches and sensitivities,
 * G = number of per-layer parts returned (0 without `parts`).
 *
 *   structured  8·[N₁N₂(1 + G) + 2·B·F + (B·k)² + B²]       (two blocks' factors + Gram work buffers)
 *   jacobian    8·[N₁N₂(1 + G) + 2·B·k·P + 2·B·F]            (two Jacobian blocks)
 *   ntvp        8·[n₁·F + n₂·F + 2·P + N₁ + N₂]               (all forward traces kept, two θ-size vectors)
 *                (materialized as a kernel it adds 8·N₁N₂(1 + G))
 */
export interface Plan {
  blockSize: number;
  peakBytes: number;
}

export function featuresPerSample(model: Model): number {
  let w = 0;
  for (const s of model.slices) if (s.shape.length === 2) w += s.shape[0]!;
  return model.inputDim + (model.outputDim + 4) * w;
}

export function peakBytes(impl: NtkImplementation, model: Model, n1: number, n2: number, B: number, outputs: KernelOutputs, parts: number, materialize = true): number {
  const k = model.outputDim;
  const r = outputs === 'full' ? k : 1;
  const F = featuresPerSample(model);
  const kernel = materialize ? n1 * r * n2 * r * (1 + parts) : 0;
  switch (impl) {
    case 'structured':
      return 8 * (kernel + 2 * B * F + (B * k) ** 2 + B * B);
    case 'jacobian':
      return 8 * (kernel + 2 * B * k * model.numParams + 2 * B * F);
    case 'ntvp':
      return 8 * (kernel + (n1 + n2) * F + 2 * model.numParams + (n1 + n2) * r);
  }
}

/** The largest block size (≤ max(n₁, n₂)) whose peak fits the budget, or the explicit one. */
export function plan(impl: NtkImplementation, model: Model, X1: Tensor, X2: Tensor | null, outputs: KernelOutputs, parts: number, budget: number, blockSize?: number): Plan {
  const n1 = X1.rows;
  const n2 = X2 ? X2.rows : n1;
  const nmax = Math.max(n1, n2, 1);
  if (blockSize !== undefined) {
    if (!(Number.isInteger(blockSize) && blockSize >= 1)) throw new UserError(`ntk: blockSize must be a positive integer, got ${blockSize}`);
    const B = Math.min(blockSize, nmax);
    return { blockSize: B, peakBytes: peakBytes(impl, model, n1, n2, B, outputs, parts) };
  }
  if (!(budget > 0)) throw new UserError(`ntk: maxMemoryBytes must be positive, got ${budget}`);
  const fits = (B: number) => peakBytes(impl, model, n1, n2, B, outputs, parts) <= budget;
  if (!fits(1)) {
    throw new UserError(`ntk (${impl}): needs at least ${peakBytes(impl, model, n1, n2, 1, outputs, parts)} bytes even with one sample per block; maxMemoryBytes is ${budget}`);
  }
  let lo = 1;
  let hi = nmax;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return { blockSize: lo, peakBytes: peakBytes(impl, model, n1, n2, lo, outputs, parts) };
}

/** [start, end) sample ranges of size ≤ B. */
export function blocks(n: number, B: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += B) out.push([s, Math.min(n, s + B)]);
  return out;
}

/** Group (layer) name of a parameter slice: `layers.1.weight` → `layers.1`. */
export function groupOf(sliceName: string): string {
  const i = sliceName.lastIndexOf('.');
  return i < 0 ? sliceName : sliceName.slice(0, i);
}

/** Layer groups with at least one trainable slice, in θ order. */
export function trainableGroups(model: Model): string[] {
  const out: string[] = [];
  for (const s of model.slices) {
    const g = groupOf(s.name);
    if (s.trainable && !out.includes(g)) out.push(g);
  }
  return out;
}

/** Copy the lower triangle of an N×N matrix onto the upper one (tiles of 64 keep both sides in cache). */
export function mirrorLower(a: Float64Array, N: number): void {
  const T = 64;
  for (let jj = 0; jj < N; jj += T) {
    for (let ii = jj; ii < N; ii += T) {
      const iEnd = Math.min(N, ii + T);
      const jEnd = Math.min(N, jj + T);
      for (let i = ii; i < iEnd; i++) {
        const jStop = Math.min(jEnd, i);
        for (let j = jj; j < jStop; j++) a[j * N + i] = a[i * N + j]!;
      }
    }
  }
}
