/**
 * Packing of gemm operands into contiguous, zero-padded panels (GotoBLAS / BLIS layout).
 *
 * Both routines are generic over the element type T (f64 or f32) and work on raw byte pointers into
 * linear memory. Leading dimensions are in elements.
 *
 *  - packA: the mc×kc block of op(A) becomes ⌈mc/MR⌉ micro-panels; micro-panel q holds rows
 *    q·MR … q·MR+MR−1 stored column by column (for each p: MR consecutive values), i.e.
 *    dst[q·MR·kc + p·MR + r] = op(A)(q·MR + r, p). Rows past mc are zero. (The micro-kernels broadcast
 *    each value with v128.load64_splat / load32_splat; storing pre-splatted copies measured no faster.)
 *  - packB: the kc×nc block of op(B) becomes ⌈nc/NR⌉ micro-panels; micro-panel q holds columns
 *    q·NR … q·NR+NR−1 stored row by row: dst[q·NR·kc + p·NR + c] = op(B)(p, q·NR + c). Columns past nc
 *    are zero.
 *
 * The zero padding lets the micro-kernel always run a full MR×NR tile; only the write-back of an edge
 * tile is clipped.
 */

/**
 * Pack the mc×kc block of op(A) whose top-left element is at `a` (op(A) = A, or Aᵀ when `trans`).
 * Element (i, p) of op(A) is a[i·lda + p] (no transpose) or a[p·lda + i] (transpose).
 */
@inline
export function packA<T>(trans: bool, mc: i32, kc: i32, a: usize, lda: i32, dst: usize, MR: i32): void {
  const sz = <usize>sizeof<T>();
  // Step between consecutive rows i and consecutive columns p of op(A), in bytes.
  const rowStep: usize = trans ? sz : <usize>lda * sz;
  const colStep: usize = trans ? <usize>lda * sz : sz;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    const rowBase = a + <usize>ir * rowStep;
    if (mr == MR) {
      for (let p = 0; p < kc; p++) {
        let src = rowBase + <usize>p * colStep;
        for (let r = 0; r < MR; r++) {
          store<T>(dst, load<T>(src));
          dst += sz;
          src += rowStep;
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        let src = rowBase + <usize>p * colStep;
        for (let r = 0; r < MR; r++) {
          store<T>(dst, r < mr ? load<T>(src) : <T>0);
          dst += sz;
          src += rowStep;
        }
      }
    }
  }
}

/**
 * Pack the kc×nc block of op(B) whose top-left element is at `b` (op(B) = B, or Bᵀ when `trans`).
 * Element (p, j) of op(B) is b[p·ldb + j] (no transpose) or b[j·ldb + p] (transpose).
 */
@inline
export function packB<T>(trans: bool, kc: i32, nc: i32, b: usize, ldb: i32, dst: usize, NR: i32): void {
  const sz = <usize>sizeof<T>();
  const rowStep: usize = trans ? sz : <usize>ldb * sz; // between consecutive p
  const colStep: usize = trans ? <usize>ldb * sz : sz; // between consecutive j
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const colBase = b + <usize>jr * colStep;
    if (nr == NR && !trans) {
      // Rows of the panel are contiguous in B: copy NR·sizeof(T) bytes = 32 bytes (two v128) per row.
      for (let p = 0; p < kc; p++) {
        const src = colBase + <usize>p * rowStep;
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        dst += 32;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        let src = colBase + <usize>p * rowStep;
        for (let c = 0; c < NR; c++) {
          store<T>(dst, c < nr ? load<T>(src) : <T>0);
          src += colStep;
          dst += sz;
        }
      }
    }
  }
}
