import type { DType, FloatArray } from '../../dtype.js';

const ALIGN = 64;
const PAGE = 65536;

/**
 * A grow-only scratch arena in the kernels' linear memory, above the module's static data. Each call
 * into a kernel starts with `reset()`, takes the regions it needs with `alloc` (64-byte aligned byte
 * addresses) and drops them all at its end; the memory itself only grows (`memory.grow`), never
 * shrinks, so a backend that once multiplied large matrices keeps that much memory.
 *
 * `heap(dtype)` is a typed-array view of the whole memory, cached and remade only after a grow (which
 * detaches the old ArrayBuffer); index it with `byteAddress / 8` (f64) or `/ 4` (f32).
 */
export class Arena {
  private top: number;
  private buffer: ArrayBuffer | undefined;
  private h64 = new Float64Array(0);
  private h32 = new Float32Array(0);

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly base: number,
  ) {
    this.top = base;
  }

  reset(): void {
    this.top = roundUp(this.base, ALIGN);
  }

  /** Reserve `bytes` bytes and return their byte address. */
  alloc(bytes: number): number {
    const at = roundUp(this.top, ALIGN);
    const end = at + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE));
      } catch {
        throw new RangeError(`wasm backend: cannot grow linear memory to ${end} bytes (wasm32 memories stop at 4 GiB)`);
      }
    }
    this.top = end;
    return at;
  }

  /** Reserve room for `count` elements of `dtype`; returns the byte address. */
  allocElems(dtype: DType, count: number): number {
    return this.alloc(count * (dtype === 'f64' ? 8 : 4));
  }

  /** A view of all of linear memory as elements of `dtype` (valid until the next `alloc`). */
  heap(dtype: DType): FloatArray {
    const buf = this.memory.buffer;
    if (buf !== this.buffer) {
      this.buffer = buf;
      this.h64 = new Float64Array(buf);
      this.h32 = new Float32Array(buf);
    }
    return dtype === 'f64' ? this.h64 : this.h32;
  }

  /** Bytes of linear memory in use (static data + the largest arena so far). */
  get bytes(): number {
    return this.memory.buffer.byteLength;
  }
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}
