/**
 * How the threaded wasm driver splits one gemm or syrk among threads. Each part is a block of C that a
 * single thread computes with the ordinary kernel call on that block, so every C entry is computed by
 * one thread with the same summation order as the single-threaded call (the kernels' results depend
 * only on their KC blocking of the shared dimension, which starts at 0 in every call): threaded results
 * are bit-identical to single-threaded ones. Block edges lie on multiples of the register tile (MR rows,
 * NR columns), so each block is made of the same full and edge tiles as in the single call.
 */

/** Below this many multiply-adds (m·n·k) a call stays on one thread: waking a worker costs more than it saves. */
export const THREAD_MIN_MULADDS = 2 ** 21;

/** Rows i0 ≤ i < i1 and columns j0 ≤ j < j1 of C. */
export interface GemmBlock {
  i0: number;
  i1: number;
  j0: number;
  j1: number;
}

/** `count` contiguous ranges of whole tiles covering [0, len) in tiles of `tile`, as equal as possible. */
function tileRanges(len: number, tile: number, count: number): [number, number][] {
  const tiles = Math.ceil(len / tile);
  const parts = Math.min(count, tiles);
  const out: [number, number][] = [];
  for (let p = 0; p < parts; p++) {
    const t0 = Math.floor((p * tiles) / parts);
    const t1 = Math.floor(((p + 1) * tiles) / parts);
    out.push([t0 * tile, Math.min(t1 * tile, len)]);
  }
  return out;
}

/**
 * Split the m×n result of a gemm with inner dimension k into at most `threads` blocks: along the
 * columns when C has at least as many column tiles as row tiles, else along the rows. One block (the
 * whole of C) when threads = 1, the call is small (m·n·k < THREAD_MIN_MULADDS) or C is a single tile.
 */
export function splitGemm(m: number, n: number, k: number, threads: number, mr: number, nr: number): GemmBlock[] {
  if (threads <= 1 || m * n * k < THREAD_MIN_MULADDS) return [{ i0: 0, i1: m, j0: 0, j1: n }];
  if (Math.ceil(n / nr) >= Math.ceil(m / mr)) return tileRanges(n, nr, threads).map(([j0, j1]) => ({ i0: 0, i1: m, j0, j1 }));
  return tileRanges(m, mr, threads).map(([i0, i1]) => ({ i0, i1, j0: 0, j1: n }));
}

/**
 * Split the columns of an n×n syrk (inner dimension k) into at most `threads` ranges [j0, j1) with about
 * equal areas of the lower triangle (column j has n − j entries on or below the diagonal), edges on
 * multiples of nr. One range when threads = 1 or the call is small (n²·k/2 < THREAD_MIN_MULADDS).
 */
export function splitSyrk(n: number, k: number, threads: number, nr: number): [number, number][] {
  if (threads <= 1 || (n * n * k) / 2 < THREAD_MIN_MULADDS) return [[0, n]];
  const total = (n * (n + 1)) / 2;
  const cuts = [0];
  for (let p = 1; p < threads; p++) {
    // area of columns [0, j) is j·n − j(j−1)/2; solve for the j that holds p/threads of the total
    const target = (p * total) / threads;
    const j = n + 0.5 - Math.sqrt((n + 0.5) ** 2 - 2 * target);
    const cut = Math.min(n, Math.round(j / nr) * nr);
    if (cut > cuts[cuts.length - 1]! && cut < n) cuts.push(cut);
  }
  cuts.push(n);
  const out: [number, number][] = [];
  for (let i = 0; i + 1 < cuts.length; i++) out.push([cuts[i]!, cuts[i + 1]!]);
  return out;
}
