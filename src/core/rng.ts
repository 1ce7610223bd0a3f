import type { DType } from './dtype.js';
import { UserError } from './errors.js';
import { Tensor } from './tensor.js';

/** Serializable generator state: enough to resume a stream bit-identically (checkpoints). */
export interface RngState {
  algo: 'xoshiro128**';
  s: [number, number, number, number];
  /** Second Box–Muller variate waiting to be returned, or null. */
  spare: number | null;
}

/** splitmix32: turns a (seed, stream) pair into well-mixed 32-bit words for seeding. */
function splitmix32(x: number): [number, number] {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [x, (z ^ (z >>> 16)) >>> 0];
}

/**
 * Seeded pseudo-random generator: xoshiro128** (Blackman & Vigna 2018), 32-bit state words so it runs
 * at full speed in JavaScript, 2^128 − 1 period. Doubles use 53 random bits. Normals use Box–Muller
 * (both variates are used; the spare is part of the state). Every random draw in overparam comes from
 * an explicit Rng; there is no global generator.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  private constructor(s: readonly number[]) {
    [this.s0, this.s1, this.s2, this.s3] = s.map((v) => v >>> 0) as [number, number, number, number];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /**
   * Generator for an integer seed and an optional stream number; distinct (seed, stream) pairs give
   * independent-looking streams (use streams for sweep points, workers, layers).
   */
  static fromSeed(seed: number, stream = 0): Rng {
    if (!Number.isSafeInteger(seed)) throw new UserError(`seed: expected an integer, got ${seed}`);
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / 4294967296) | 0, 0x27d4eb2d);
    x ^= Math.imul(stream | 0, 0x165667b1);
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [nx, out] = splitmix32(x);
      x = nx;
      words.push(out);
    }
    return new Rng(words);
  }

  static fromState(state: RngState): Rng {
    if (state.algo !== 'xoshiro128**' || state.s.length !== 4) throw new UserError('rng state: unknown format');
    const r = new Rng(state.s);
    r.spare = state.spare;
    return r;
  }

  state(): RngState {
    return { algo: 'xoshiro128**', s: [this.s0, this.s1, this.s2, this.s3], spare: this.spare };
  }

  /** A child generator with its own stream, derived from the next output of this one. */
  fork(stream = 0): Rng {
    return Rng.fromSeed(this.nextUint32() * 2097152 + (this.nextUint32() >>> 11), stream);
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform double in [lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Standard normal N(0, 1) by the Box–Muller transform. */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const ang = 2 * Math.PI * v;
    this.spare = r * Math.sin(ang);
    return r * Math.cos(ang);
  }

  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) throw new UserError(`int(n): n must be in 1..2^32, got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }

  /** k distinct indices from 0..n-1 (without replacement) or k draws with replacement. */
  choice(n: number, k: number, replace = false): Int32Array {
    if (!replace && k > n) throw new UserError(`choice: cannot draw ${k} distinct items from ${n}`);
    const out = new Int32Array(k);
    if (replace) {
      for (let i = 0; i < k; i++) out[i] = this.int(n);
      return out;
    }
    const p = this.permutation(n);
    out.set(p.subarray(0, k));
    return out;
  }

  /** Tensor of N(mean, std²) draws. */
  normalTensor(shape: readonly number[], std = 1, mean = 0, dtype: DType = 'f64'): Tensor {
    const t = Tensor.zeros(shape, dtype);
    const d = t.data;
    for (let i = 0; i < d.length; i++) d[i] = mean + std * this.normal();
    return t;
  }

  /** Tensor of U[lo, hi) draws. */
  uniformTensor(shape: readonly number[], lo = 0, hi = 1, dtype: DType = 'f64'): Tensor {
    const t = Tensor.zeros(shape, dtype);
    const d = t.data;
    for (let i = 0; i < d.length; i++) d[i] = this.uniformIn(lo, hi);
    return t;
  }

  /** Fill an existing array with N(0, 1) draws. */
  fillNormal(out: Float64Array | Float32Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

