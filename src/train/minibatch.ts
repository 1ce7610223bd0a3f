import { UserError } from '../core/errors.js';
import { Rng, type RngState } from '../core/rng.js';
import { Tensor } from '../core/tensor.js';
import type { JsonValue } from './optimizer.js';

/**
 * Epoch-based minibatch sampling without replacement (the usual "shuffle, then take consecutive
 * chunks" of SGD): at the start of every epoch a uniformly random permutation of 0…n−1 is drawn from
 * the seeded Rng (Fisher–Yates, core/rng.ts) and cut into batches of `batchSize`; the last batch of an
 * epoch holds the n mod batchSize leftover samples when n is not a multiple, so every epoch visits
 * every sample exactly once. The state (RNG words, current order, position, epoch) is plain JSON.
 */
export interface Batch {
  readonly indices: Int32Array;
  /** 0-based epoch the batch belongs to. */
  readonly epoch: number;
}

export interface SamplerState {
  [k: string]: JsonValue;
  n: number;
  batchSize: number;
  rng: RngState & { [k: string]: JsonValue };
  order: number[] | null;
  pos: number;
  epoch: number;
}

export class EpochSampler {
  private order: Int32Array | null = null;
  private pos = 0;
  private epoch = -1;

  constructor(
    readonly n: number,
    readonly batchSize: number,
    private readonly rng: Rng,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new UserError(`sgd: batchSize must be a positive integer, got ${batchSize}`);
    if (batchSize > n) throw new UserError(`sgd: batchSize ${batchSize} exceeds the ${n} training samples; use at most ${n} (or gd)`);
  }

  next(): Batch {
    if (this.order === null || this.pos >= this.n) {
      this.order = this.rng.permutation(this.n);
      this.pos = 0;
      this.epoch++;
    }
    const end = Math.min(this.n, this.pos + this.batchSize);
    const indices = this.order.slice(this.pos, end);
    this.pos = end;
    return { indices, epoch: this.epoch };
  }

  state(): SamplerState {
    return {
      n: this.n,
      batchSize: this.batchSize,
      rng: this.rng.state() as SamplerState['rng'],
      order: this.order ? Array.from(this.order) : null,
      pos: this.pos,
      epoch: this.epoch,
    };
  }

  static fromState(s: SamplerState): EpochSampler {
    if (!s || typeof s !== 'object') throw new UserError('sgd state: sampler state missing');
    const sp = new EpochSampler(s.n, s.batchSize, Rng.fromState(s.rng));
    if (s.order !== null) {
      if (!Array.isArray(s.order) || s.order.length !== s.n) throw new UserError(`sgd state: order must list ${s.n} sample indices`);
      sp.order = Int32Array.from(s.order);
    }
    if (!Number.isInteger(s.pos) || s.pos < 0 || s.pos > s.n) throw new UserError(`sgd state: pos ${s.pos} is not in 0..${s.n}`);
    sp.pos = s.pos;
    sp.epoch = s.epoch;
    return sp;
  }
}

/** Rows `idx` of a 2-D tensor (a copy). */
export function gatherRows(t: Tensor, idx: Int32Array): Tensor {
  const c = t.cols;
  const out = Tensor.zeros([idx.length, ...t.shape.slice(1)], t.dtype);
  for (let i = 0; i < idx.length; i++) out.data.set(t.data.subarray(idx[i]! * c, (idx[i]! + 1) * c), i * c);
  return out;
}
