import { backend } from '../../core/backend/registry.js';
import type { Tensor } from '../../core/tensor.js';
import { jacobianInto } from '../jacobian.js';
import { runIn, Workspace } from '../layers/workspace.js';
import type { KernelOutputs, Model } from '../model.js';
import { blocks, groupOf, mirrorLower, trainableGroups } from './empirical-plan.js';

/**
 * Empirical NTK by Jacobian contraction, Θ = J Jᵀ (backend syrk on diagonal blocks, gemm across
 * blocks), J built per block of B samples ((B·k) × P each). Traced kernel: Σ_c J_c J_cᵀ, J_c the rows
 * of output c, read in place as a strided view (leading dimension k·P). Per-layer parts restrict the
 * contraction to the layer's columns. The straightforward oracle for the structured path.
 */
export function jacobianNtk(
  model: Model,
  theta: Float64Array,
  X1: Tensor,
  X2: Tensor | null,
  outputs: KernelOutputs,
  withParts: boolean,
  B: number,
): { total: Float64Array; parts: Float64Array[]; groups: string[] } {
  const k = model.outputDim;
  const P = model.numParams;
  const r = outputs === 'full' ? k : 1;
  const sym = X2 === null;
  const Y = X2 ?? X1;
  const N1 = X1.rows * r;
  const N2 = Y.rows * r;
  const groups = trainableGroups(model);
  const rangesOf = (keep: (name: string) => boolean) => merge(model.slices.filter((s) => s.trainable && keep(s.name)).map((s) => [s.offset, s.offset + s.size] as [number, number]));
  const targets = withParts
    ? groups.map((g) => ({ out: new Float64Array(N1 * N2), ranges: rangesOf((n) => groupOf(n) === g) }))
    : [{ out: new Float64Array(N1 * N2), ranges: rangesOf(() => true) }];
  const be = backend();
  // Jacobian blocks and the layer intermediates behind them are recycled between blocks.
  const ws1 = new Workspace();
  const ws2 = new Workspace();
  const jac = (ws: Workspace, X: Tensor, s: number, e: number) => {
    const J = ws.alloc((e - s) * k * P);
    runIn(ws, () => jacobianInto(model, theta, X.sliceRows(s, e), J));
    return J;
  };
  const rowBlocks = blocks(X1.rows, B);
  const colBlocks = sym ? rowBlocks : blocks(Y.rows, B);
  for (const [s1, e1] of rowBlocks) {
    const J1 = jac(ws1, X1, s1, e1);
    const b1 = e1 - s1;
    for (const [s2, e2] of colBlocks) {
      if (sym && s2 > s1) break;
      const same = sym && s2 === s1;
      const J2 = same ? J1 : jac(ws2, Y, s2, e2);
      const b2 = e2 - s2;
      for (const { out, ranges } of targets) {
        const C = out.subarray(s1 * r * N2 + s2 * r);
        for (const [lo, hi] of ranges) {
          const len = hi - lo;
          if (outputs === 'full') {
            if (same) be.syrk(false, b1 * k, len, 1, J1.subarray(lo), P, 1, C, N2);
            else be.gemm(false, true, b1 * k, b2 * k, len, 1, J1.subarray(lo), P, J2.subarray(lo), P, 1, C, N2);
          } else {
            for (let c = 0; c < k; c++) {
              const A1 = J1.subarray(c * P + lo);
              if (same) be.syrk(false, b1, len, 1, A1, k * P, 1, C, N2);
              else be.gemm(false, true, b1, b2, len, 1, A1, k * P, J2.subarray(c * P + lo), k * P, 1, C, N2);
            }
          }
        }
      }
      ws2.release();
    }
    ws1.release();
  }
  const parts = withParts ? targets.map((t) => t.out) : [];
  const total = withParts ? new Float64Array(N1 * N2) : targets[0]!.out;
  if (withParts) for (const p of parts) for (let i = 0; i < p.length; i++) total[i] += p[i]!;
  if (sym && rowBlocks.length > 1) {
    if (withParts) for (const p of parts) mirrorLower(p, N1);
    mirrorLower(total, N1);
  }
  return { total, parts, groups };
}

/** Merge adjacent [lo, hi) ranges (sorted by lo). */
function merge(ranges: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [lo, hi] of ranges) {
    const last = out[out.length - 1];
    if (last && last[1] === lo) last[1] = hi;
    else out.push([lo, hi]);
  }
  return out;
}
