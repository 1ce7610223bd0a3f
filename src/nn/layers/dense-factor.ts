import { backend } from '../../core/backend/registry.js';
import type { Tensor } from '../../core/tensor.js';
import type { KernelOutputs, ParamSlice, TangentFactor } from '../model.js';
import type { Dense } from './dense.js';
import { Workspace } from './workspace.js';

/**
 * Jacobian factor of a dense layer h = c_w W a + c_b b: the layer input A (n×in) and the
 * sensitivities D (n·k × out, row i·k + c = ∂f_c(xᵢ)/∂h(xᵢ)). With them
 *
 *   J[(i,c), W_pq] = c_w D[(i,c), p] A[i, q],      J[(i,c), b_p] = c_b D[(i,c), p],
 *   Θ_layer[(i,c), (j,c′)] = (c_w² (A Aᵀ)[i,j] + c_b²) · (D Dᵀ)[(i,c), (j,c′)]
 *
 * — the per-layer NTK formula (Jacot et al. 2018; Du et al. 2019 §5 Gram matrices G^{(h)}; the
 * "structured" form of Novak et al. 2022, "Fast finite width NTK"). Stored sample-major, D viewed as
 * n × (k·out) gives the output-traced Gram Σ_c D_c D_cᵀ with a single syrk/gemm. Costs per layer: one
 * Gram of A (n²·in) and one of D (n²k²·out, or n²·k·out traced); memory n² + (nk)² doubles.
 */
export class DenseFactor implements TangentFactor {
  readonly group: string;
  readonly slices: readonly ParamSlice[];
  readonly n: number;
  readonly outputs: number;
  private readonly cw: number;
  private readonly cb: number;
  private readonly offW: number;
  private readonly offB: number;

  constructor(
    private readonly layer: Dense,
    offset: number,
    private readonly x: Tensor,
    private readonly d: Float64Array,
    m: number,
  ) {
    this.group = layer.name;
    this.n = x.rows;
    this.outputs = m;
    this.cw = layer.wTrainable ? layer.cw : 0;
    this.cb = layer.bTrainable ? layer.cb : 0;
    this.offW = offset;
    this.offB = offset + layer.inDim * layer.outDim;
    const slices: ParamSlice[] = [];
    let o = offset;
    for (const s of layer.params) {
      const size = s.shape.reduce((a, b) => a * b, 1);
      if (s.trainable) slices.push({ ...s, offset: o, size });
      o += size;
    }
    this.slices = slices;
  }

  gram(other: TangentFactor, mode: KernelOutputs, out: Float64Array, ldo: number, same: boolean): void {
    if (!(other instanceof DenseFactor) || other.layer !== this.layer || other.outputs !== this.outputs) {
      throw new Error(`DenseFactor.gram: factors of different layers (${this.group} vs ${other.group})`);
    }
    const ws = new Workspace();
    try {
      this.gramWith(other, mode, out, ldo, same, ws);
    } finally {
      ws.release();
    }
  }

  private gramWith(other: DenseFactor, mode: KernelOutputs, out: Float64Array, ldo: number, same: boolean, ws: Workspace): void {
    const { inDim: I, outDim: O } = this.layer;
    const be = backend();
    const n1 = this.n;
    const n2 = other.n;
    const m = this.outputs;
    const cw2 = this.cw * this.cw;
    const cb2 = this.cb * this.cb;
    let gx: Float64Array | null = null;
    if (cw2 !== 0) {
      gx = ws.alloc(n1 * n2, false);
      if (same) be.syrk(false, n1, I, 1, this.x.data, I, 0, gx, n1);
      else be.gemm(false, true, n1, n2, I, 1, this.x.data, I, other.x.data, I, 0, gx, n2);
    }
    if (mode === 'trace' || m === 1) {
      // Σ_c D_c D_cᵀ: D as an n × (k·out) matrix.
      const K = m * O;
      const gd = ws.alloc(n1 * n2, false);
      if (same) be.syrk(false, n1, K, 1, this.d, K, 0, gd, n1);
      else be.gemm(false, true, n1, n2, K, 1, this.d, K, other.d, K, 0, gd, n2);
      for (let i = 0; i < n1; i++) {
        const ro = i * ldo;
        const rg = i * n2;
        const jn = same ? i + 1 : n2; // symmetric: lower triangle only (see `gram`)
        if (gx) for (let j = 0; j < jn; j++) out[ro + j] += (cw2 * gx[rg + j]! + cb2) * gd[rg + j]!;
        else for (let j = 0; j < jn; j++) out[ro + j] += cb2 * gd[rg + j]!;
      }
      return;
    }
    const N1 = n1 * m;
    const N2 = n2 * m;
    const gd = ws.alloc(N1 * N2, false);
    if (same) be.syrk(false, N1, O, 1, this.d, O, 0, gd, N1);
    else be.gemm(false, true, N1, N2, O, 1, this.d, O, other.d, O, 0, gd, N2);
    for (let i = 0; i < n1; i++) {
      for (let j = 0; j < (same ? i + 1 : n2); j++) {
        const s = cw2 * (gx ? gx[i * n2 + j]! : 0) + cb2;
        for (let c = 0; c < m; c++) {
          const ro = (i * m + c) * ldo + j * m;
          const rg = (i * m + c) * N2 + j * m;
          for (let c2 = 0; c2 < m; c2++) out[ro + c2] += s * gd[rg + c2]!;
        }
      }
    }
  }

  jacobian(out: Float64Array, ldj: number): void {
    const { inDim: I, outDim: O } = this.layer;
    const be = backend();
    const m = this.outputs;
    const rows = this.n * m;
    for (let r = 0; r < rows; r++) {
      const i = Math.floor(r / m);
      const dr = this.d.subarray(r * O, (r + 1) * O);
      // Outer product c_w·δ_r a_iᵀ as a k = 1 gemm, written straight into row r of J.
      if (this.cw !== 0) be.gemm(false, false, O, I, 1, this.cw, dr, 1, this.x.data.subarray(i * I, (i + 1) * I), I, 0, out.subarray(r * ldj + this.offW, r * ldj + this.offW + O * I), I);
      if (this.cb !== 0) {
        const base = r * ldj + this.offB;
        for (let p = 0; p < O; p++) out[base + p] = this.cb * dr[p]!;
      }
    }
  }
}
