/**
 * sgemm: float32 matrix multiply with f32x4 SIMD. Same blocking scheme and loop order as gemm_f64.ts
 * (five loops jc/pc/ic/ir/jr, packed zero-padded panels, A micro-panel in L1, B block in L2, β applied
 * first, no state in linear memory), with a 4×8 register tile: 4 rows × 2 f32x4 vectors = 8
 * accumulators, 2 B loads + 4 A broadcasts (v128.load32_splat) + 8 mul + 8 add per step of the shared
 * dimension. The packed B block takes KC·NC·4 = 1 MiB of L2, an A micro-panel KC·MR·4 = 4 KiB of L1.
 * Accumulation is in float32 (as in any sgemm); the parity test's bound accounts for it. As in dgemm,
 * a C entry depends only on the KC blocking, so any split of C into blocks gives bit-identical results.
 */
import { packA, packB } from './pack';
import { scaleMatrix } from './scale';

const MR: i32 = 4;
const NR: i32 = 8;
const MC: i32 = 128;
const KC: i32 = 256;
const NC: i32 = 1024;

@inline
function roundUp(x: i32, to: i32): i32 {
  return ((x + to - 1) / to) * to;
}

/** Bytes of packed A in the workspace for these sizes. */
@inline
function packABytes(m: i32, k: i32): usize {
  return <usize>roundUp(min(MC, m), MR) * <usize>min(KC, k) * 4;
}

/**
 * Bytes of workspace sgemm needs: the packed A block (rows rounded up to MR), the packed B block
 * (columns rounded up to NR) and an MR×NR scratch tile for edge tiles.
 */
export function sgemmWorkBytes(m: i32, n: i32, k: i32): usize {
  return packABytes(m, k) + <usize>roundUp(min(NC, n), NR) * <usize>min(KC, k) * 4 + MR * NR * 4;
}

/**
 * C ← α·op(A)·op(B) + β·C. Pointers are byte addresses in linear memory; `work` must hold
 * sgemmWorkBytes(m, n, k) bytes. With `lowerOnly` only entries on or below the diagonal through C's
 * entry (0, 0) are guaranteed (tiles strictly above it are skipped), which requires m ≥ n.
 */
export function sgemm(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32,
  work: usize, lowerOnly: bool,
): void {
  if (m <= 0 || n <= 0) return;
  scaleMatrix<f32>(m, n, beta, c, ldc);
  if (alpha == 0 || k <= 0) return;
  const ap = work;
  const bp = work + packABytes(m, k);
  const edge = bp + <usize>roundUp(min(NC, n), NR) * <usize>min(KC, k) * 4;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const bsrc = transB ? b + (<usize>jc * ldb + pc) * 4 : b + (<usize>pc * ldb + jc) * 4;
      packB<f32>(transB, kc, nc, bsrc, ldb, bp, NR);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        if (lowerOnly && ic + mc <= jc) continue; // whole block strictly above the diagonal
        const asrc = transA ? a + (<usize>pc * lda + ic) * 4 : a + (<usize>ic * lda + pc) * 4;
        packA<f32>(transA, mc, kc, asrc, lda, ap, MR);
        macroKernel(mc, nc, kc, alpha, ap, bp, c + (<usize>ic * ldc + jc) * 4, ldc, lowerOnly, ic - jc, edge);
      }
    }
  }
}

/**
 * Packed mc×kc A block times packed kc×nc B block into C; `diag` as in gemm_f64.ts.
 */
@inline
function macroKernel(mc: i32, nc: i32, kc: i32, alpha: f32, ap: usize, bp: usize, c: usize, ldc: i32, lowerOnly: bool, diag: i32, edge: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    const apanel = ap + <usize>ir * kc * 4;
    const crow = c + <usize>ir * ldc * 4;
    for (let jr = 0; jr < nc; jr += NR) {
      // skip the rest of the row of tiles once it lies strictly above the diagonal
      if (lowerOnly && jr > diag + ir + mr - 1) break;
      const nr = min(NR, nc - jr);
      const bpanel = bp + <usize>jr * kc * 4;
      const ctile = crow + <usize>jr * 4;
      if (mr == MR && nr == NR) {
        microKernel(kc, alpha, apanel, bpanel, ctile, ldc);
      } else {
        microKernelEdge(kc, alpha, apanel, bpanel, ctile, ldc, mr, nr, edge);
      }
    }
  }
}

/** Full 4×8 tile: C[0:4, 0:8] += α·Σₚ a_p b_pᵀ with a_p, b_p the p-th columns of the packed micro-panels. */
@inline
function microKernel(kc: i32, alpha: f32, ap: usize, bp: usize, c: usize, ldc: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    ap += 16;
    bp += 32;
  }
  const al = f32x4.splat(alpha);
  const ld = <usize>ldc * 4;
  v128.store(c, f32x4.add(v128.load(c), f32x4.mul(al, c00)));
  v128.store(c, f32x4.add(v128.load(c, 16), f32x4.mul(al, c01)), 16);
  c += ld;
  v128.store(c, f32x4.add(v128.load(c), f32x4.mul(al, c10)));
  v128.store(c, f32x4.add(v128.load(c, 16), f32x4.mul(al, c11)), 16);
  c += ld;
  v128.store(c, f32x4.add(v128.load(c), f32x4.mul(al, c20)));
  v128.store(c, f32x4.add(v128.load(c, 16), f32x4.mul(al, c21)), 16);
  c += ld;
  v128.store(c, f32x4.add(v128.load(c), f32x4.mul(al, c30)));
  v128.store(c, f32x4.add(v128.load(c, 16), f32x4.mul(al, c31)), 16);
}

/**
 * Edge tile (mr < MR or nr < NR): compute the full zero-padded tile into the scratch tile `edge`
 * (0 + 1·Σ = Σ, up to the sign of a zero sum), then add α·Σ to the mr×nr corner of C — the same
 * arithmetic as a full tile.
 */
function microKernelEdge(kc: i32, alpha: f32, ap: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32, edge: usize): void {
  memory.fill(edge, 0, MR * NR * 4);
  microKernel(kc, 1.0, ap, bp, edge, NR);
  for (let i = 0; i < mr; i++) {
    const crow = c + <usize>i * ldc * 4;
    const erow = edge + <usize>i * NR * 4;
    for (let j = 0; j < nr; j++) {
      const q = <usize>j * 4;
      store<f32>(crow + q, load<f32>(crow + q) + alpha * load<f32>(erow + q));
    }
  }
}
