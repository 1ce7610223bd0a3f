import { backend } from '../../core/backend/registry.js';
import type { KernelOutputs, ParamSlice, TangentFactor } from '../model.js';
import type { Conv } from './conv.js';
import { reverseBlocks } from './conv-patches.js';
import { Workspace } from './workspace.js';

/**
 * Jacobian factor of a shared-weight patch convolution y[:, pos] = c_w W φ(x)[:, pos] (layers/conv.ts):
 * the patch matrix Φ ((q·d_in) × (n·p), column i·p + pos = φ_pos(xᵢ)) and the sensitivities D
 * (n·k × m·p, row i·k + c = ∂f_c(xᵢ)/∂y(xᵢ), channel-major: δ_{(i,c)}[o, pos] at o·p + pos). Because W
 * is shared over positions, the Jacobian row is a sum of outer products over positions,
 *
 *   ∂f_c(xᵢ)/∂W = c_w Σ_pos δ_{(i,c)}[:, pos] φ_pos(xᵢ)ᵀ = c_w Δ_{(i,c)} Φ_iᵀ       (m × q·d_in),
 *
 * and its Gram (the layer's NTK part) is the patch form (Du et al. ICML 2019 §7, whose Gram blocks are
 * p×p per sample pair; the convolutional NTK of Arora et al. 2019 has the same double sum):
 *
 *   Θ_layer[(i,c), (j,c′)] = c_w² Σ_{pos,pos′} (δ_{(i,c)}[:, pos]·δ_{(j,c′)}[:, pos′]) (φ_pos(xᵢ)·φ_pos′(xⱼ)).
 *
 * gram() has two exact routes for this same quantity and takes the one with fewer flops (or the one
 * the layer's `gramRoute` forces):
 *  - 'patch': per sample i, the position Grams A_i = Φ_iᵀ Φ′ (p × n′p, inner q·d_in) and
 *    D_{ic} = Δ_{(i,c)}ᵀ Δ′_{c′} (p × n′p, inner m), one backend gemm each, contracted entrywise over
 *    (pos, pos′): ≈ 2·n·n′·p²·(q·d_in + r·(m + 1)) flops, r = k² output pairs (full) or k (traced);
 *    memory 2·p·n′·p doubles + a copy of D. Cheapest for few positions and wide layers.
 *  - 'rows': the Jacobian rows M_{(i,c)} = c_w Δ_{(i,c)} Φ_iᵀ (m × q·d_in each, one gemm per row),
 *    then M Mᵀ by syrk/gemm: ≈ 2·(n + n′)·k·m·q·d_in·p + 2·n·n′·r·m·q·d_in flops, memory
 *    (n + n′)·k·m·q·d_in doubles (the layer's Jacobian block of the sample block). Weight sharing keeps
 *    m·q·d_in small, so this wins as soon as p² ≳ min(q·d_in, r·m).
 */
export class ConvFactor implements TangentFactor {
  readonly group: string;
  readonly slices: readonly ParamSlice[];
  readonly n: number;
  readonly outputs: number;
  private readonly offW: number;

  constructor(
    private readonly layer: Conv,
    offset: number,
    private readonly phi: Float64Array,
    private readonly d: Float64Array,
    m: number,
  ) {
    this.group = layer.name;
    this.outputs = m;
    this.n = d.length / (m * layer.outDim);
    this.offW = offset;
    const s = layer.params[0]!;
    this.slices = [{ ...s, offset, size: layer.numParams }];
  }

  /** D in layout [o][c][i][pos]: m × (k·n·p), so Δ_c of consecutive samples are contiguous columns. */
  private channelMajor(ws: Workspace): Float64Array {
    const { outChannels: m } = this.layer;
    const p = this.layer.geometry.positions;
    const out = ws.alloc(this.d.length, false);
    reverseBlocks(this.d, this.n, this.outputs, m, p, out);
    return out;
  }

  gram(other: TangentFactor, mode: KernelOutputs, out: Float64Array, ldo: number, same: boolean): void {
    if (!(other instanceof ConvFactor) || other.layer !== this.layer || other.outputs !== this.outputs) {
      throw new Error(`ConvFactor.gram: factors of different layers (${this.group} vs ${other.group})`);
    }
    const ws = new Workspace();
    try {
      this.gramWith(other, mode, out, ldo, same, ws);
    } finally {
      ws.release();
    }
  }

  private gramWith(other: ConvFactor, mode: KernelOutputs, out: Float64Array, ldo: number, same: boolean, ws: Workspace): void {
    const { outChannels: m } = this.layer;
    const { patchSize: Q, positions: p } = this.layer.geometry;
    const k = this.outputs;
    const pairs = mode === 'full' ? k * k : k;
    const nn = same ? (this.n * (this.n + 1)) / 2 : this.n * other.n;
    const patchFlops = nn * p * p * (Q + pairs * (m + 1));
    const rowsFlops = (same ? this.n : this.n + other.n) * k * m * Q * p + nn * pairs * m * Q;
    const route = this.layer.gramRoute === 'auto' ? (patchFlops <= rowsFlops ? 'patch' : 'rows') : this.layer.gramRoute;
    if (route === 'rows') this.gramRows(other, mode, out, ldo, same, ws);
    else this.gramPatch(other, mode, out, ldo, same, ws);
  }

  /** Θ_layer = M Mᵀ from the explicit Jacobian rows (see the class comment). */
  private gramRows(other: ConvFactor, mode: KernelOutputs, out: Float64Array, ldo: number, same: boolean, ws: Workspace): void {
    const be = backend();
    const P = this.layer.numParams;
    const k = this.outputs;
    const n1 = this.n;
    const n2 = other.n;
    const m1 = ws.alloc(n1 * k * P, false);
    this.writeRows(m1, P, 0);
    let m2 = m1;
    if (!same) other.writeRows((m2 = ws.alloc(n2 * k * P, false)), P, 0);
    // syrk writes both triangles; the caller mirrors the lower one over the upper one anyway.
    if (mode === 'full') {
      if (same) be.syrk(false, n1 * k, P, 1, m1, P, 1, out, ldo);
      else be.gemm(false, true, n1 * k, n2 * k, P, 1, m1, P, m2, P, 1, out, ldo);
      return;
    }
    for (let c = 0; c < k; c++) {
      if (same) be.syrk(false, n1, P, 1, m1.subarray(c * P), k * P, 1, out, ldo);
      else be.gemm(false, true, n1, n2, P, 1, m1.subarray(c * P), k * P, m2.subarray(c * P), k * P, 1, out, ldo);
    }
  }

  /** Θ_layer by the double sum over positions (see the class comment). */
  private gramPatch(other: ConvFactor, mode: KernelOutputs, out: Float64Array, ldo: number, same: boolean, ws: Workspace): void {
    const { outChannels: m, cw } = this.layer;
    const { patchSize: Q, positions: p } = this.layer.geometry;
    const be = backend();
    const n1 = this.n;
    const n2 = other.n;
    const k = this.outputs;
    const cw2 = cw * cw;
    const d1 = this.channelMajor(ws);
    const d2 = same ? d1 : other.channelMajor(ws);
    const A = ws.alloc(p * n2 * p, false);
    const D = ws.alloc(p * n2 * p, false);
    const full = mode === 'full' && k > 1;
    for (let i = 0; i < n1; i++) {
      const J = same ? i + 1 : n2; // symmetric: samples j ≤ i only (the caller mirrors)
      const ld = J * p;
      // A_i[pos, j·p + pos′] = φ_pos(xᵢ)·φ_pos′(x′ⱼ).
      be.gemm(true, false, p, ld, Q, 1, this.phi.subarray(i * p), n1 * p, other.phi, n2 * p, 0, A, ld);
      for (let c = 0; c < k; c++) {
        for (let c2 = full ? 0 : c; c2 < (full ? k : c + 1); c2++) {
          // D[pos, j·p + pos′] = δ_{(i,c)}[:, pos]·δ′_{(j,c2)}[:, pos′].
          be.gemm(true, false, p, ld, m, 1, d1.subarray((c * n1 + i) * p), k * n1 * p, d2.subarray(c2 * n2 * p), k * n2 * p, 0, D, ld);
          const row = full ? (i * k + c) * ldo : i * ldo;
          for (let j = 0; j < J; j++) {
            let s = 0;
            for (let a = 0; a < p; a++) {
              const base = a * ld + j * p;
              for (let b = 0; b < p; b++) s += D[base + b]! * A[base + b]!;
            }
            out[row + (full ? j * k + c2 : j)] += cw2 * s;
          }
        }
      }
    }
  }

  jacobian(out: Float64Array, ldj: number): void {
    this.writeRows(out, ldj, this.offW);
  }

  /** Row r of the layer's Jacobian block, c_w Δ_r Φ_iᵀ (m × q·d_in), at out[r·ld + off …]. */
  private writeRows(out: Float64Array, ld: number, off: number): void {
    const { outChannels: m, outDim, cw } = this.layer;
    const { patchSize: Q, positions: p } = this.layer.geometry;
    const be = backend();
    const k = this.outputs;
    const n = this.n;
    for (let r = 0; r < n * k; r++) {
      const i = Math.floor(r / k);
      const dst = r * ld + off;
      be.gemm(false, true, m, Q, p, cw, this.d.subarray(r * outDim, (r + 1) * outDim), p, this.phi.subarray(i * p), n * p, 0, out.subarray(dst, dst + m * Q), Q);
    }
  }
}
