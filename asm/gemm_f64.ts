/**
 * dgemm / dsyrk: float64 matrix multiply with f64x2 SIMD (GotoBLAS / BLIS blocking).
 *
 *   C ← α·op(A)·op(B) + β·C,  op(A) m×k, op(B) k×n, C m×n, all row-major with leading dimensions.
 *
 * Blocking, outermost first (the classic five loops):
 *   jc: columns of C in blocks of NC        — the packed kc×nc block of op(B) lives in L2/L3;
 *   pc: the shared dimension in blocks of KC — pack op(B)[pc:pc+kc, jc:jc+nc] into panels of NR columns;
 *   ic: rows of C in blocks of MC            — pack op(A)[ic:ic+mc, pc:pc+kc] into panels of MR rows,
 *                                              every value stored twice (a ready f64x2 splat), so the
 *                                              block takes MC·KC·16 = 256 KiB: half of L2;
 *   jr: NR-column micro-panels of packed B  — one micro-panel (KC·NR·8 = 8 KiB) stays in L1;
 *   ir: MR-row micro-panels of packed A     — the micro-kernel updates one MR×NR tile of C.
 * The micro-kernel holds a 4×4 tile of C in 8 f64x2 accumulators (4 rows × 2 vectors): per step p it
 * loads 2 vectors of B and 4 pre-splatted vectors of A and does 8 mul + 8 add (WASM SIMD has no FMA).
 * Larger register tiles (5×4, 6×4) and unrolling the p loop spill registers under V8 and run slower;
 * plain v128 loads of pre-splatted A measured ~10–15% faster than v128.load64_splat. Panels are zero
 * padded to MR/NR, so edge tiles run the same kernel and only their write-back is clipped.
 *
 * β is applied first, in a separate pass over C (β = 0 writes zeros, so C is never read and NaNs in it
 * are ignored); the micro-kernel then adds α·(A·B tile) to C.
 *
 * With `lowerOnly` (used by syrk) the tiles lying strictly above the diagonal of C are skipped; tiles
 * that straddle the diagonal are computed whole, and syrk then mirrors the lower triangle to the upper.
 */
import { packA, packB } from './pack';
import { scaleMatrix } from './scale';

const MR: i32 = 4;
const NR: i32 = 4;
const MC: i32 = 64;
const KC: i32 = 256;
const NC: i32 = 2048;

/** Scratch for clipping edge tiles: MR·NR doubles. */
const edge: usize = memory.data(MR * NR * 8, 16);

/** Bytes of workspace dgemm needs for these sizes (packed A block + packed B block). */
export function dgemmWorkBytes(m: i32, n: i32, k: i32): usize {
  const mc = min(MC, roundUp(m, MR));
  const nc = min(NC, roundUp(n, NR));
  const kc = min(KC, k);
  return (<usize>mc * kc * 2 + <usize>nc * kc) * 8;
}

@inline
function roundUp(x: i32, to: i32): i32 {
  return ((x + to - 1) / to) * to;
}

/**
 * C ← α·op(A)·op(B) + β·C. Pointers are byte addresses in linear memory; `work` must hold
 * dgemmWorkBytes(m, n, k) bytes, 16-byte aligned. With `lowerOnly` only entries on or below the
 * diagonal are guaranteed (tiles strictly above it are skipped), which requires m = n.
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
  const bp = work + <usize>min(MC, roundUp(m, MR)) * <usize>min(KC, k) * 16;
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
        packA<f64>(transA, mc, kc, asrc, lda, ap, MR, 2);
        macroKernel(mc, nc, kc, alpha, ap, bp, c + (<usize>ic * ldc + jc) * 8, ldc, lowerOnly, ic - jc);
      }
    }
  }
}

/**
 * Multiply the packed mc×kc block of A by the packed kc×nc block of B into C (at `c`).
 * `diag` = (first row of the block) − (first column of the block), used to skip tiles above the diagonal.
 */
function macroKernel(mc: i32, nc: i32, kc: i32, alpha: f64, ap: usize, bp: usize, c: usize, ldc: i32, lowerOnly: bool, diag: i32): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const bpanel = bp + <usize>jr * kc * 8;
    for (let ir = 0; ir < mc; ir += MR) {
      const mr = min(MR, mc - ir);
      // Tile rows diag+ir … diag+ir+mr−1 (relative to its first column jr): skip when every column is right of every row.
      if (lowerOnly && jr > diag + ir + mr - 1) continue;
      const apanel = ap + <usize>ir * kc * 16;
      const ctile = c + (<usize>ir * ldc + jr) * 8;
      if (mr == MR && nr == NR) {
        microKernel(kc, alpha, apanel, bpanel, ctile, ldc);
      } else {
        microKernelEdge(kc, alpha, apanel, bpanel, ctile, ldc, mr, nr);
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
    let a = v128.load(ap);
    c00 = f64x2.add(c00, f64x2.mul(a, b0));
    c01 = f64x2.add(c01, f64x2.mul(a, b1));
    a = v128.load(ap, 16);
    c10 = f64x2.add(c10, f64x2.mul(a, b0));
    c11 = f64x2.add(c11, f64x2.mul(a, b1));
    a = v128.load(ap, 32);
    c20 = f64x2.add(c20, f64x2.mul(a, b0));
    c21 = f64x2.add(c21, f64x2.mul(a, b1));
    a = v128.load(ap, 48);
    c30 = f64x2.add(c30, f64x2.mul(a, b0));
    c31 = f64x2.add(c31, f64x2.mul(a, b1));
    ap += 64;
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

/** Edge tile (mr < MR or nr < NR): compute the full zero-padded tile into scratch, add the mr×nr corner to C. */
function microKernelEdge(kc: i32, alpha: f64, ap: usize, bp: usize, c: usize, ldc: i32, mr: i32, nr: i32): void {
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
