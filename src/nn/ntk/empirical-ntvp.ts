import { UserError } from '../../core/errors.js';
import { Tensor } from '../../core/tensor.js';
import type { KernelOutputs, Model } from '../model.js';
import { runIn, Workspace } from '../layers/workspace.js';
import { blocks, DEFAULT_NTK_MEMORY, groupOf, plan } from './empirical-plan.js';

/**
 * NTK-vector products without forming Θ: Θ(X₁, X₂)·v = J₁(J₂ᵀ v), one vjp (reverse mode over X₂)
 * then one jvp (forward mode over X₁) — the operator Lanczos / CG need on large n.
 *   full  ('full')  v ∈ R^{n₂k} sample-major → R^{n₁k};
 *   trace ('trace') v ∈ R^{n₂} → R^{n₁}, (Θ_tr v)ᵢ = Σ_c [J_c J_cᵀ (v ⊗ e_c)]_{(i,c)}: k vjp/jvp pairs.
 * `part` restricts θ to one layer group (e.g. `layers.1`), giving that layer's Θ_l·v.
 * Forward traces of every block are computed once and kept: peak 8·[(n₁ + n₂)·F + 2P + N₁ + N₂] bytes
 * (F as in empirical-plan.ts); each product costs about three forward passes over X₁ ∪ X₂ (k times that traced).
 */
export interface NtkOperator {
  /** Length of the result (N₁). */
  readonly rows: number;
  /** Length of v (N₂). */
  readonly cols: number;
  apply(v: Float64Array): Float64Array;
}

export interface NtkMatvecOptions {
  /** Second input set (columns); default X itself. */
  X2?: Tensor;
  outputs?: KernelOutputs;
  /** Layer group to restrict to (per-layer NTK), e.g. `layers.0`. */
  part?: string;
  blockSize?: number;
  maxMemoryBytes?: number;
}

export function ntkMatvec(model: Model, theta: Float64Array, X: Tensor, opts: NtkMatvecOptions = {}): NtkOperator {
  const outputs = opts.outputs ?? 'full';
  const k = model.outputDim;
  const r = outputs === 'full' ? k : 1;
  const Y = opts.X2 ?? X;
  const { blockSize: B } = plan('ntvp', model, X, opts.X2 ?? null, outputs, 0, opts.maxMemoryBytes ?? DEFAULT_NTK_MEMORY, opts.blockSize);
  const mask = new Float64Array(model.numParams);
  for (const s of model.slices) if (s.trainable && (opts.part === undefined || groupOf(s.name) === opts.part)) mask.fill(1, s.offset, s.offset + s.size);
  if (opts.part !== undefined && !model.slices.some((s) => s.trainable && groupOf(s.name) === opts.part)) {
    throw new UserError(`ntkMatvec: no trainable layer group '${opts.part}'`);
  }
  const traced = (Z: Tensor) => blocks(Z.rows, B).map(([s, e]) => {
    const Xb = Z.sliceRows(s, e);
    return { s, e, Xb, tr: model.trace(theta, Xb) };
  });
  const t1 = traced(X);
  const t2 = opts.X2 ? traced(Y) : t1;
  const N1 = X.rows * r;
  const N2 = Y.rows * r;

  // Intermediates of each vjp / jvp are recycled (a Lanczos run calls `apply` hundreds of times).
  const ws = new Workspace();

  /** g = Σ_blocks vjp(U_b) masked to the selected parameters. */
  const pullback = (fillU: (U: Float64Array, s: number, e: number) => void): Float64Array => {
    const g = new Float64Array(model.numParams);
    for (const { s, e, Xb, tr } of t2) {
      const U = Tensor.zeros([e - s, k]);
      fillU(U.data as Float64Array, s, e);
      const gb = runIn(ws, () => model.vjp(theta, Xb, U, tr));
      ws.release();
      for (let p = 0; p < gb.length; p++) g[p] += gb[p]!;
    }
    for (let p = 0; p < g.length; p++) g[p] *= mask[p]!;
    return g;
  };

  /** f(block) ← jvp(g) on every block of X₁, handed to `use` before its buffer is recycled. */
  const pushforward = (g: Float64Array, use: (y: Float64Array, s: number, rows: number) => void): void => {
    for (const { s, Xb, tr } of t1) {
      use(runIn(ws, () => model.jvp(theta, Xb, g, tr)).data as Float64Array, s, Xb.rows);
      ws.release();
    }
  };

  const apply = (v: Float64Array): Float64Array => {
    if (v.length !== N2) throw new UserError(`ntkMatvec: v has ${v.length} entries, expected ${N2}`);
    const out = new Float64Array(N1);
    if (outputs === 'full') {
      const g = pullback((U, s, e) => U.set(v.subarray(s * k, e * k)));
      pushforward(g, (y, s) => out.set(y, s * k));
      return out;
    }
    for (let c = 0; c < k; c++) {
      const g = pullback((U, s, e) => {
        for (let i = s; i < e; i++) U[(i - s) * k + c] = v[i]!;
      });
      pushforward(g, (y, s, rows) => {
        for (let i = 0; i < rows; i++) out[s + i] += y[i * k + c]!;
      });
    }
    return out;
  };
  return { rows: N1, cols: N2, apply };
}

/** Materialize Θ column by column from the operator (N₂ products): the third, independent NTK path. */
export function ntvpNtk(op: NtkOperator): Float64Array {
  const K = new Float64Array(op.rows * op.cols);
  const e = new Float64Array(op.cols);
  for (let j = 0; j < op.cols; j++) {
    e[j] = 1;
    const col = op.apply(e);
    e[j] = 0;
    for (let i = 0; i < op.rows; i++) K[i * op.cols + j] = col[i]!;
  }
  return K;
}
