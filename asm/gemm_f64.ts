/**
 * dgemm: float64 matrix multiply with f64x2 SIMD (GotoBLAS / BLIS blocking).
 *
 *   C ← α·op(A)·op(B) + β·C,  op(A) m×k, op(B) k×n, C m×n, all row-major with leading dimensions.
 *
 * Blocking, outermost first (the classic five loops):
 *   jc: columns of C in blocks of NC        — pack op(B)[pc:pc+kc, jc:jc+nc] into panels of NR columns
 *                                              (KC·NC·8 = 1 MiB, this CPU's whole per-core L2, so part
 *                                              of it streams from L3);
 *   pc: the shared dimension in blocks of KC;
 *   ic: rows of C in blocks of MC            — pack op(A)[ic:ic+mc, pc:pc+kc] into panels of MR rows;
 *   ir: MR-row micro-panels of packed A     — one micro-panel (KC·MR·8 = 8 KiB) stays in L1;
 *   jr: NR-column micro-panels of packed B  — streamed from L2; the micro-kernel updates one MR×NR tile.
 * The ir-outside-jr order walks C along its rows (tile after tile in memory order). On the Zen 4
 * machine this was tuned on (AMD EPYC, 1 MiB L2 per core), NC = 256, MC = 64…256, KC = 128 and the
 * jr-outside-ir order all measured within the ±3% run-to-run noise of these sizes; KC = 512 was 5–8%
 * slower.
 *
 * The micro-kernel holds a 4×4 tile of C in 8 f64x2 accumulators (4 rows × 2 vectors): per step p it
 * loads 2 vectors of B and 4 broadcasts of A (v128.load64_splat = one vmovddup from memory) and does
 * 8 mul + 8 add. WASM SIMD has no FMA, so mul and add issue separately: Zen 4 runs two 128-bit mul and
 * two add pipes (8 flop/cycle), and a register-only mix of independent muls and adds reaches ~3.5 vector
 * ops/cycle under V8. What bounds the tile is V8's code generation (TurboFan, x64):
 *  - it schedules all loads of a basic block at the top of the block, so loaded values, accumulators and
 *    one product temporary must fit in the 15 allocatable xmm registers (xmm15 is V8's scratch): the 4×4
 *    step needs 6 + 8 + 1 = 15. Larger tiles (5×4, 6×4, 4×6; 2×8 with p unrolled by 2) or a plain unroll
 *    of the 4×4 loop by 2 or 4 spill accumulators to the stack and run 25–45% slower;
 *  - the loop back edge costs a counter or pointer compare and a stack-guard check (two loads).
 * So p is unrolled by 4 with an exit test after every step: each step is its own basic block (the exit
 * path uses the accumulators, so their arithmetic stays in the step's block and the next step's loads
 * cannot be hoisted above it), and the back-edge cost is paid once per 4 steps. A splat's constant
 * offset takes an extra base register in V8 (it is not folded into the address as a v128.load's is),
 * so `ap` advances after every step (offsets 0…24, three registers) while B uses offsets 0…112.
 * From L1 this loop runs ~25 GFLOP/s against ~21 for the previous one-step loop (16 vector mul/add,
 * 6 loads and ~8 loop instructions per iteration); the whole dgemm runs ~23 GFLOP/s (NN, NT, TN;
 * 256×512×512 and 1024³), up from 19–20. Unrolling by 8 is no faster in the whole dgemm.
 *
 * Packing (packBlock) uses vector copies for the two layouts a full panel can have: lines contiguous
 * along p (rows of A, columns of Bᵀ: 4×2 blocks transposed with two shuffles each) and four contiguous
 * values per p (rows of B, columns of Aᵀ: two panels at a time, so every cache line read from rows a
 * power-of-two stride apart is used whole). That takes the packing share of a 256×512×512 product
 * from ~6% to ~3%.
 *
 * Panels are zero padded to MR/NR, so edge tiles run the same kernel into a scratch tile; only their
 * write-back is clipped, and it uses the same arithmetic (C + α·tile), so a C entry does not depend on
 * whether its tile is an edge tile. Each accumulator sums its products in order p = 0, 1, … of the KC
 * block (the unrolling does not change that order), so a C entry depends only on the KC blocking of the
 * p sum, which starts at p = 0 in every call: any split of C into sub-blocks (the threaded driver) gives
 * bit-identical results.
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
      packBlock(bsrc, transB ? <usize>ldb * 8 : 8, transB ? 8 : <usize>ldb * 8, nc, kc, bp);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        if (lowerOnly && ic + mc <= jc) continue; // whole block strictly above the diagonal
        const asrc = transA ? a + (<usize>pc * lda + ic) * 8 : a + (<usize>ic * lda + pc) * 8;
        packBlock(asrc, transA ? 8 : <usize>lda * 8, transA ? <usize>lda * 8 : 8, mc, kc, ap);
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

/**
 * Full 4×4 tile: C[0:4, 0:4] += α·Σₚ a_p b_pᵀ with a_p, b_p the p-th columns of the packed micro-panels
 * (kc ≥ 1). Four steps per iteration, each followed by the exit test (see the header comment).
 */
@inline
function microKernel(kc: i32, alpha: f64, ap: usize, bp: usize, c: usize, ldc: i32): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  let a: v128, b0: v128, b1: v128;
  const aEnd = ap + <usize>kc * 32;
  while (true) {
    b0 = v128.load(bp, 0);
    b1 = v128.load(bp, 16);
    a = v128.load64_splat(ap);
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
    if (ap >= aEnd) break;
    b0 = v128.load(bp, 32);
    b1 = v128.load(bp, 48);
    a = v128.load64_splat(ap);
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
    if (ap >= aEnd) break;
    b0 = v128.load(bp, 64);
    b1 = v128.load(bp, 80);
    a = v128.load64_splat(ap);
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
    if (ap >= aEnd) break;
    b0 = v128.load(bp, 96);
    b1 = v128.load(bp, 112);
    a = v128.load64_splat(ap);
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
    bp += 128;
    if (ap >= aEnd) break;
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

/**
 * Pack `len` lines (rows of op(A) or columns of op(B)) of length kc into ⌈len/4⌉ zero-padded micro-panels:
 * dst[q·4·kc + 4p + l] = element (4q + l, p), found at src + (4q + l)·lineStep + p·pStep (byte steps).
 */
@inline
function packBlock(src: usize, lineStep: usize, pStep: usize, len: i32, kc: i32, dst: usize): void {
  const panel = <usize>kc * 32;
  let q = 0;
  if (lineStep == 8) {
    // The 4 values of each p are contiguous: copy 64 bytes per p into two panels at once, so that
    // every cache line read is used whole (rows a power-of-two stride apart evict each other in L1).
    for (; q + 8 <= len; q += 8) {
      let s = src + <usize>q * 8;
      let d = dst + <usize>q * kc * 8;
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        v128.store(d + panel, v128.load(s, 32));
        v128.store(d + panel, v128.load(s, 48), 16);
        s += pStep;
        d += 32;
      }
    }
    if (q + 4 <= len) {
      let s = src + <usize>q * 8;
      let d = dst + <usize>q * kc * 8;
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += pStep;
        d += 32;
      }
      q += 4;
    }
  } else if (pStep == 8) {
    // Each line is contiguous along p: transpose 4×2 blocks (two values of four lines) with shuffles.
    const end = <usize>(kc & ~1) * 8;
    for (; q + 4 <= len; q += 4) {
      const s0 = src + <usize>q * lineStep, s1 = s0 + lineStep, s2 = s1 + lineStep, s3 = s2 + lineStep;
      let d = dst + <usize>q * kc * 8;
      for (let o: usize = 0; o < end; o += 16) {
        const x0 = v128.load(s0 + o), x1 = v128.load(s1 + o), x2 = v128.load(s2 + o), x3 = v128.load(s3 + o);
        v128.store(d, v128.shuffle<f64>(x0, x1, 0, 2));
        v128.store(d, v128.shuffle<f64>(x2, x3, 0, 2), 16);
        v128.store(d, v128.shuffle<f64>(x0, x1, 1, 3), 32);
        v128.store(d, v128.shuffle<f64>(x2, x3, 1, 3), 48);
        d += 64;
      }
      if (kc & 1) {
        store<f64>(d, load<f64>(s0 + end));
        store<f64>(d, load<f64>(s1 + end), 8);
        store<f64>(d, load<f64>(s2 + end), 16);
        store<f64>(d, load<f64>(s3 + end), 24);
      }
    }
  }
  // Remaining lines (a last partial panel, or a general stride): element by element, zero padded.
  for (; q < len; q += 4) {
    const lines = min(4, len - q);
    let s = src + <usize>q * lineStep;
    let d = dst + <usize>q * kc * 8;
    for (let p = 0; p < kc; p++) {
      for (let l = 0; l < 4; l++) store<f64>(d + <usize>l * 8, l < lines ? load<f64>(s + <usize>l * lineStep) : 0.0);
      s += pStep;
      d += 32;
    }
  }
}
