/**
 * Recycled Float64Array buffers for the hot NTK paths.
 *
 * Large fresh typed arrays are expensive to touch the first time (page faults + kernel zeroing:
 * ≈ 1 ms per 2 MB measured, as much as a 512³ gemm's tenth), and one structured NTK of a 3-layer MLP
 * allocates a dozen n×width intermediates. Code that knows when intermediates die (the empirical NTK,
 * per sample block) runs the model inside `runIn(ws, …)`; every layer buffer allocated there comes from
 * a free list keyed by length and goes back on `ws.release()`. Outside such a scope `allocF64` is a
 * plain `new Float64Array`, so results handed to callers are never recycled behind their back.
 * At most MAX_RETAINED_BYTES stay in the free lists between calls; `trimWorkspace()` drops them.
 */
export const MAX_RETAINED_BYTES = 256 * 2 ** 20;

const free = new Map<number, Float64Array[]>();
let retained = 0;
let active: Workspace | null = null;

export class Workspace {
  private held: Float64Array[] = [];

  /** A buffer of `length` doubles, zeroed when `zero` (otherwise the caller overwrites all of it). */
  alloc(length: number, zero = true): Float64Array {
    const b = free.get(length)?.pop();
    if (!b) {
      const fresh = new Float64Array(length);
      this.held.push(fresh);
      return fresh;
    }
    retained -= b.byteLength;
    if (zero) b.fill(0);
    this.held.push(b);
    return b;
  }

  /** Give one buffer back early (it must come from this workspace and be dead). */
  give(b: Float64Array): void {
    const i = this.held.lastIndexOf(b);
    if (i >= 0) {
      this.held.splice(i, 1);
      recycle(b);
    }
  }

  /** Return every buffer of this workspace to the free lists; nothing allocated here may be used after. */
  release(): void {
    for (const b of this.held) recycle(b);
    this.held = [];
  }
}

function recycle(b: Float64Array): void {
  if (b.length === 0 || retained + b.byteLength > MAX_RETAINED_BYTES) return;
  let list = free.get(b.length);
  if (!list) free.set(b.length, (list = []));
  list.push(b);
  retained += b.byteLength;
}

/** Run `fn` with layer allocations drawn from `ws`. */
export function runIn<T>(ws: Workspace, fn: () => T): T {
  const prev = active;
  active = ws;
  try {
    return fn();
  } finally {
    active = prev;
  }
}

/** Buffer for a layer intermediate: from the active workspace, or fresh. */
export function allocF64(length: number, zero = true): Float64Array {
  return active ? active.alloc(length, zero) : new Float64Array(length);
}

/** Drop all retained buffers. */
export function trimWorkspace(): void {
  free.clear();
  retained = 0;
}
