import type { Tensor } from '../../core/tensor.js';
import { runIn, Workspace } from '../layers/workspace.js';
import type { KernelOutputs, Model } from '../model.js';
import { blocks, mirrorLower, trainableGroups } from './empirical-plan.js';

/**
 * Structured empirical NTK: Θ = Σ_l J_l J_lᵀ with every J_l J_lᵀ formed from the layer's factors
 * (for a dense layer (c_w² A_{l−1}A_{l−1}ᵀ + c_b²) ∘ (D_l D_lᵀ), D_l with one block per output),
 * never materializing J; the Grams are backend syrk (diagonal blocks) / gemm (cross blocks).
 * Blocks of B samples: the factors of row block I are computed once, those of each column block J ≤ I
 * again (symmetric case: the lower triangle is accumulated and mirrored once at the end).
 * Returns the total and, with `parts`, one kernel per trainable layer group (θ order).
 */
export function structuredNtk(
  model: Model,
  theta: Float64Array,
  X1: Tensor,
  X2: Tensor | null,
  outputs: KernelOutputs,
  withParts: boolean,
  B: number,
): { total: Float64Array; parts: Float64Array[]; groups: string[] } {
  const r = outputs === 'full' ? model.outputDim : 1;
  const sym = X2 === null;
  const Y = X2 ?? X1;
  const N1 = X1.rows * r;
  const N2 = Y.rows * r;
  const groups = trainableGroups(model);
  const total = new Float64Array(N1 * N2);
  const parts = withParts ? groups.map(() => new Float64Array(N1 * N2)) : [];
  const rowBlocks = blocks(X1.rows, B);
  const colBlocks = sym ? rowBlocks : blocks(Y.rows, B);
  // Intermediates of each block live in a Workspace and are recycled when the block is done.
  const ws1 = new Workspace();
  const ws2 = new Workspace();
  try {
    for (const [s1, e1] of rowBlocks) {
      const f1 = runIn(ws1, () => model.tangents(theta, X1.sliceRows(s1, e1)));
      for (const [s2, e2] of colBlocks) {
        if (sym && s2 > s1) break;
        const same = sym && s2 === s1;
        const f2 = same ? f1 : runIn(ws2, () => model.tangents(theta, Y.sliceRows(s2, e2)));
        const at = s1 * r * N2 + s2 * r;
        f1.forEach((f, l) => {
          const target = withParts ? parts[groups.indexOf(f.group)]! : total;
          f.gram(f2[l]!, outputs, target.subarray(at), N2, same);
        });
        ws2.release();
      }
      ws1.release();
    }
  } finally {
    ws1.release();
    ws2.release();
  }
  if (withParts) for (const p of parts) for (let i = 0; i < p.length; i++) total[i] += p[i]!;
  if (sym) {
    // Diagonal blocks were accumulated on samples j ≤ i only (TangentFactor.gram with `same`).
    mirrorLower(total, N1);
    for (const p of parts) mirrorLower(p, N1);
  }
  return { total, parts, groups };
}
