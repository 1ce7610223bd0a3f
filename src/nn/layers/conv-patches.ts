import { UserError } from '../../core/errors.js';

/**
 * Patch extraction φ (im2col) and its adjoint (col2im) for stride-1, zero-padded ("same") patch
 * convolutions over p positions — the φ_h of Du, Lee, Li, Wang & Zhai (ICML 2019) §7 (THEORY.md
 * §5.3: φ_h cuts x^{(h−1)} into p patches of size q·d_{h−1}, stride 1, zero padding at both ends).
 *
 * Flat layout of one sample (a row of length C·p): channel-major, channel c at position pos is at
 * c·p + pos; in 2-D pos = row·width + col (row-major image). A 1-D input of length L is the 2-D case
 * height = 1, width = L, patch 1×q.
 *
 * Patch vector at one position: C·qh·qw entries, entry (c, a, b) at (c·qh + a)·qw + b holding
 * x[c, row + a − padTop, col + b − padLeft] (0 outside the input): cross-correlation, the PyTorch
 * Conv1d/Conv2d convention, so a weight W [m, C·qh·qw] is PyTorch's [m, C, q] / [m, C, q, q] weight
 * flattened. Padding: padTop = ⌊(qh − 1)/2⌋ before, the rest after (PyTorch padding='same';
 * symmetric for odd q).
 *
 * Patch matrix Φ of a batch of n samples: (C·qh·qw) × (n·p), row-major, column i·p + pos = the patch
 * of sample i at position pos. Each row of Φ is a shifted copy of one channel, so φ is a handful of
 * typed-array block copies per sample (no arithmetic).
 */
export interface PatchGeometry {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** Patch height (1 for 1-D inputs) and width. */
  readonly qh: number;
  readonly qw: number;
  readonly padTop: number;
  readonly padLeft: number;
  /** Positions p = height·width. */
  readonly positions: number;
  /** Entries of a patch vector, C·qh·qw. */
  readonly patchSize: number;
}

/** Geometry of a 1-D ([length]) or 2-D ([height, width], q×q patches) input with C channels. */
export function patchGeometry(what: string, channels: number, spatial: readonly number[], q: number): PatchGeometry {
  const posInt = (v: number) => Number.isInteger(v) && v > 0;
  if (!posInt(channels)) throw new UserError(`${what}: channels must be a positive integer, got ${channels}`);
  if (!(spatial.length === 1 || spatial.length === 2) || !spatial.every(posInt)) {
    throw new UserError(`${what}: input shape must be [length] or [height, width] of positive integers, got [${spatial.join(', ')}]`);
  }
  if (!posInt(q)) throw new UserError(`${what}: patch size q must be a positive integer, got ${q}`);
  const [height, width] = spatial.length === 1 ? [1, spatial[0]!] : [spatial[0]!, spatial[1]!];
  const qh = spatial.length === 1 ? 1 : q;
  const qw = q;
  return { channels, height, width, qh, qw, padTop: Math.floor((qh - 1) / 2), padLeft: Math.floor((qw - 1) / 2), positions: height * width, patchSize: channels * qh * qw };
}

/** Visit every (patch row, shifted source range) pair: fn(row, dst offset in the p positions, src offset, run length). */
function forEachRun(g: PatchGeometry, fn: (row: number, dst: number, src: number, len: number) => void): void {
  const { channels: C, height: Hh, width: Wd, qh, qw, padTop, padLeft, positions: p } = g;
  for (let c = 0; c < C; c++) {
    for (let a = 0; a < qh; a++) {
      const dy = a - padTop;
      const r0 = Math.max(0, -dy);
      const r1 = Math.min(Hh, Hh - dy);
      for (let b = 0; b < qw; b++) {
        const dx = b - padLeft;
        const c0 = Math.max(0, -dx);
        const c1 = Math.min(Wd, Wd - dx);
        if (c1 <= c0) continue;
        const row = (c * qh + a) * qw + b;
        for (let r = r0; r < r1; r++) fn(row, r * Wd + c0, c * p + (r + dy) * Wd + c0 + dx, c1 - c0);
      }
    }
  }
}

/**
 * Φ ← φ(X): X is n × (C·p), `out` is (C·qh·qw) × (n·p) and must be zeroed (padding stays 0).
 */
export function im2col(g: PatchGeometry, x: Float64Array, n: number, out: Float64Array): void {
  const p = g.positions;
  const F = g.channels * p;
  const ld = n * p;
  forEachRun(g, (row, dst, src, len) => {
    for (let i = 0; i < n; i++) out.set(x.subarray(i * F + src, i * F + src + len), row * ld + i * p + dst);
  });
}

/**
 * gX += φᵀ(gΦ), the adjoint of im2col: gΦ is (C·qh·qw) × (N·p) with column block R (R·p + pos) the
 * patch cotangents of row R of gX (N × (C·p)); every patch entry is added back to the input entry it
 * was copied from (border entries that came from the zero padding are dropped).
 */
export function col2im(g: PatchGeometry, gphi: Float64Array, N: number, gx: Float64Array): void {
  const p = g.positions;
  const F = g.channels * p;
  const ld = N * p;
  forEachRun(g, (row, dst, src, len) => {
    for (let R = 0; R < N; R++) {
      const o = R * F + src;
      const s = row * ld + R * p + dst;
      for (let t = 0; t < len; t++) gx[o + t] += gphi[s + t]!;
    }
  });
}

/**
 * Block permutation [a][b][c] → [c][b][a] of blocks of p contiguous doubles (A·B·C blocks):
 * dst[((c·B + b)·A + a)·p + t] = src[((a·B + b)·C + c)·p + t]. With B = 1 a block transpose; used to
 * move between the sample layout (row i: channels × positions) and the gemm layout
 * (channels × (samples·positions)).
 */
export function reverseBlocks(src: Float64Array, A: number, B: number, C: number, p: number, dst: Float64Array): void {
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < C; c++) {
        const s = ((a * B + b) * C + c) * p;
        dst.set(src.subarray(s, s + p), ((c * B + b) * A + a) * p);
      }
    }
  }
}

/** Σ over the m cotangent rows of each sample: (n·m) × w → n × w. */
export function sumPerSample(g: Float64Array, n: number, m: number, w: number, out: Float64Array): void {
  out.fill(0);
  for (let i = 0; i < n; i++) {
    const o = out.subarray(i * w, (i + 1) * w);
    for (let c = 0; c < m; c++) {
      const row = (i * m + c) * w;
      for (let j = 0; j < w; j++) o[j] += g[row + j]!;
    }
  }
}
