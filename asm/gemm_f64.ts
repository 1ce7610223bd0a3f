/**
 * dgemm: float64 matrix multiply with f64x2 SIMD (GotoBLAS / BLIS blocking).
 *
 *   C ← α·op(A)·op(B) + β·C,  op(A) m×k, op(B) k×n, C m×n, all row-major with leading dimensions.
 *
 * Blocking, outermost first (the classic five loops):
 *   jc: columns of C in blocks of NC        — pack op(B)[pc:pc+kc, jc:jc+nc] into panels of NR columns:
 *                                              KC·NC·8 = 1 MiB, half of this CPU's 2 MiB L2;
 *   pc: the shared dimension in blocks of KC;
 *   ic: rows of C in blocks of MC            — pack op(A)[ic:ic+mc, pc:pc+kc] into panels of MR rows;
 *   ir: MR-row micro-panels of packed A     — one micro-panel (KC·MR·8 = 8 KiB) stays in L1;
 *   jr: NR-column micro-panels of packed B  — streamed from L2; the micro-kernel updates one MR×NR tile.
 * The ir-outside-jr order walks C along its rows (tile after tile in memory order, which the hardware
 * prefetcher follows) instead of down its columns; with the B panels kept in L2 it measured 4–8% faster
 * than the jr-outside-ir order (B micro-panel in L1, C tiles a row stride apart) under V8 on this machine.
 *
 * The micro-kernel holds a 4×4 tile of C in 8 f64x2 accumulators (4 rows × 2 vectors): per step p it
 * loads 2 vectors of B and 4 broadcasts of A (v128.load64_splat = one movddup from memory) and does
 * 8 mul + 8 add. WASM SIMD has no FMA, so mul and add issue separately; with multiplies on two ports and
 * adds on two (one shared) the bound is 6 flop/cycle, and this loop reaches ~95% of it from L1. Larger
 * register tiles (4×6, unrolling p by 2) make V8 spill accumulators and run 10–20% slower; storing A
 * pre-splatted (two copies of every value) doubles its footprint and measured no faster.
 * Panels are zero padded to MR/NR, so edge tiles run the same kernel into a scratch tile; only their
 * write-back is clipped, and it uses the same arithmetic (C + α·tile), so a C entry does not depend on
 * whether its tile is an edge tile. A C entry depends only on the KC blocking of the p sum, which starts
 * at p = 0 in every call: any split of C into sub-blocks (the threaded driver) gives bit-identical results.
 *
 * β is applied first, in a separate pass over C (β = 0 writes zeros, so C is never read and NaNs in it
 * are ignored); the micro-kernel then adds α·(A·B tile) to C.
 *
 * The kernels keep no state in linear memory (no static scratch, no shadow stack: the stub runtime with
 * stack size 0), so several threads may run them on one shared memory with disjoint `work` and C blocks.
 *
 * With `lowerOnly` (used by syrk) C's entry (0, 0) is taken to lie on the diagonal and the tiles lying
 * strictly above the diagonal are skipped (needs m ≥ n); tiles that straddle it are computed whole.
 */
import { packA, packB } from './pack';
import { scaleMatrix } from './scale';

const MR: i32 = 4;
const NR: i32 = 4;
const MC: i32 = 128;
const KC: i32 = 256;
const NC: i32 = 512;

@inline
function roundUp(x: i32, to: i32): i32 {
  return ((x + to - 1) / to) * to;
}

/** Bytes of packed A in the workspace for these sizes. */
@inline
function packABytes(m: i32, k: i32): usize {
  return <usize>roundUp(min(MC, m), MR) * <usize>min(KC, k) * 8;
}

/**
 * Bytes of workspace dgemm needs: the packed A block (rows rounded up to MR), the packed B block
 * (columns rounded up to NR) and an MR×NR scratch tile for edge tiles.
 */
export function dgemmWorkBytes(m: i32, n: i32, k: i32): usize {
  return packABytes(m, k) + <usize>roundUp(min(NC, n), NR) * <usize>min(KC, k) * 8 + MR * NR * 8;
}

/**
 * C ← α·op(A)·op(B) + β·C. Pointers are byte addresses in linear memory; `work` must hold
 * dgemmWorkBytes(m, n, k) bytes. With `lowerOnly` only entries on or below the diagonal through C's
 * entry (0, 0) are guaranteed (tiles strictly above it are skipped), which requires m ≥ n.
 */
export function dgemm(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f64,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f64, c: usize, ldc: i32,
  work: usize, lowerOnly: bool,
): void {
  if (m <= 0 || n <= 0) return;
  scaleMatrix<f64>(m, n, beta, c, ldc);
  if (alpha == 0 || k <= 0) return;
  const ap = work;
  const bp = work + packABytes(m, k);
  const edge = bp + <usize>roundUp(min(NC, n), NR) * <usize>min(KC, k) * 8;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const bsrc = transB ? b + (<usize>jc * ldb + pc) * 8 : b + (<usize>pc * ldb + jc) * 8;
      packB<f64>(transB, kc, nc, bsrc, ldb, bp, NR);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        if (lowerOnly && ic + mc <= jc) continue; // whole block strictly above the diagonal
        const asrc = transA ? a + (<usize>pc * lda + ic) * 8 : a + (<usize>ic * lda + pc) * 8;
        packA<f64>(transA, mc, kc, asrc, lda, ap, MR);
        macroKernel(mc, nc, kc, alpha, ap, bp, c + (<usize>ic * ldc + jc) * 8, ldc, lowerOnly, ic - jc, edge);
      }
    }
  }
}

/**
 * Multiply the packed mc×kc block of A by the packed kc×nc block of B into C (at `c`).
 * `diag` = (first row of the block) − (first column of the block), used to skip tiles above the diagonal.
 */
@inline
function macroKernel(mc: i32, nc: i32, kc: i32, alpha: f64, ap: usize, bp: usize, c: usize, ldc: i32, lowerOnly: bool, diag: i32, edge: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    const apanel = ap + <usize>ir * kc * 8;
    const crow = c + <usize>ir * ldc * 8;
    for (let jr = 0; jr < nc; jr += NR) {
      // Tile rows diag+ir … diag+ir+mr−1 (relative to its first column jr): skip when every column is right of every row.
      if (lowerOnly && jr > diag + ir + mr - 1) break;
      const nr = min(NR, nc - jr);
      const bpanel = bp + <usize>jr * kc * 8;
      const ctile = crow + <usize>jr * 8;
      if (mr == MR && nr == NR) {
        microKernel(kc, alpha, apanel, bpanel, ctile, ldc);
      } else {
        microKernelEdge(kc, alpha, apanel, bpanel, ctile, ldc, mr, nr, edge);
      }
    }
  }
}

/** Full 4×4 tile: C[0:4, 0:4] += α·Σₚ a_p b_pᵀ with a_p, b_p the p-th columns of the packed micro-panels. */
@inline
function microKernel(kc: i32, alpha: f64, ap: usize, bp: usize, c: usize, ldc: i32): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load64_splat(ap);
    c00 = f64x2.add(c00, f64x2.mul(a, b0));
    c01 = f64x2.add(c01, f64x2.mul(a, b1));
    a = v128.load64_splat(ap, 8);
    c10 = f64x2.add(c10, f64x2.mul(a, b0));
    c11 = f64x2.add(c11, f64x2.mul(a, b1));
    a = v128.load64_splat(ap, 16);
    c20 = f64x2.add(c20, f64x2.mul(a, b0));
    c21 = f64x2.add(c21, f64x2.mul(a, b1));
    a = v128.load64_splat(ap, 24);
    c30 = f64x2.add(c30, f64x2.mul(a, b0));
    c31 = f64x2.add(c31, f64x2.mul(a, b1));
    ap += 32;
    bp += 32;
  }
  const al = f64x2.splat(alpha);
  const ld = <usize>ldc * 8;
  v128.store(c, f64x2.add(v128.load(c), f64x2.mul(al, c00)));
  v128.store(c, f64x2.add(v128.load(c, 16), f64x2.mul(al, c01)), 16);
  c += ld;
  v128.store(c, f64x2.add(v128.load(c), f64x2.mul(al, c10)));
  v128.store(c, f64x2.add(v128.load(c, 16), f64x2.mul(al, c11)), 16);
  c += ld;
  v128.store(c, f64x2.add(v128.load(c), f64x2.mul(al, c20)));
  v128.store(c, f64x2.add(v128.load(c, 16), f64x2.mul(al, c21)), 16);
  c += ld;
  v128.store(c, f64x2.add(v128.load(c), f64x2.mul(al, c30)));
  v128.store(c, f64x2.add(v128.load(c, 16), f64x2.mul(al, c31)), 16);
}

/**
 * Edge tile (mr < MR or nr < NR): compute the full zero-padded tile into the scratch tile `edge`
 * (0 + 1·Σ = Σ, up to the sign of a zero sum), then add α·Σ to the mr×nr corner of C — the same
 * arithmetic as a full tile.
 */
function microKernelEdge(kc: i32, alpha: f64, ap: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32, edge: usize): void {
  memory.fill(edge, 0, MR * NR * 8);
  microKernel(kc, 1.0, ap, bp, edge, NR);
  for (let i = 0; i < mr; i++) {
    const crow = c + <usize>i * ldc * 8;
    const erow = edge + <usize>i * NR * 8;
    for (let j = 0; j < nr; j++) {
      const q = <usize>j * 8;
      store<f64>(crow + q, load<f64>(crow + q) + alpha * load<f64>(erow + q));
    }
  }
}
