import { UserError } from '../core/errors.js';
import { MONITOR_NAMES } from '../diag/index.js';
import type { OptimizerName, OptimizerSpec } from '../train/index.js';
import { finiteNumber, required } from './init.js';
import type { TrainCliOptions } from './train.js';

/**
 * Flags of `overparam train` → the trainer's optimizer spec (src/train/optimizers.ts) and the monitor
 * list (src/diag). Mirrors exp/run/optimizer-from-spec.ts: momentum / nesterov with --batch-size become
 * minibatch SGD with momentum; minibatch methods draw their batches from --seed.
 */
/** `--monitors a,b` | all | none. */
export function monitorList(v: string): string[] {
  const s = v.trim();
  if (s === 'all') return [...MONITOR_NAMES];
  if (s === 'none') return [];
  const names = s.split(',').map((x) => x.trim());
  if (names.some((n) => n === 'all' || n === 'none')) throw new UserError(`--monitors: '${v}' mixes all/none with names; give a comma list, all, or none`);
  if (names.some((n) => n === '')) throw new UserError(`--monitors: '${v}' has an empty name; write e.g. spectrum,drift,movement`);
  return names;
}

/** β ∈ [0, 1). */
export function momentumValue(v: string): number {
  const b = finiteNumber('--momentum', 0)(v);
  if (!(b < 1)) throw new UserError(`--momentum: ${v} is not below 1; use a momentum β in [0, 1), e.g. 0.9`);
  return b;
}

const MINIBATCH: readonly OptimizerName[] = ['sgd', 'momentum', 'nesterov'];

/** The trainer's optimizer spec for the flags; a flag the optimizer does not use is an error. */
export function optimizerSpec(o: TrainCliOptions, n: number): OptimizerSpec {
  const name = o.optimizer;
  const lr = required(o.lr, '--lr', 'the learning rate η, e.g. --lr 0.1');
  const unused = (flag: string, users: string): never => {
    throw new UserError(`${flag}: not used by --optimizer ${name} (only by ${users}); drop it`);
  };
  if (o.batchSize !== undefined && !MINIBATCH.includes(name)) unused('--batch-size', 'sgd, momentum, nesterov');
  if (o.momentum !== undefined && !MINIBATCH.includes(name)) unused('--momentum', 'sgd, momentum, nesterov');
  if (o.damping !== undefined && name !== 'gauss-newton') unused('--damping', 'gauss-newton');
  if (name === 'sgd' && o.batchSize === undefined) throw new UserError('--batch-size: missing; --optimizer sgd needs the minibatch size, e.g. --batch-size 32');
  if (o.seed !== undefined && o.batchSize === undefined) unused('--seed', 'minibatch runs: sgd, or momentum/nesterov with --batch-size');
  if (o.batchSize !== undefined && o.batchSize > n) throw new UserError(`--batch-size: ${o.batchSize} is larger than the ${n} training samples of --x; use at most ${n}`);
  const seed = o.seed ?? 0;
  switch (name) {
    case 'gd':
    case 'output-space':
      return { name, lr };
    case 'gauss-newton':
      return { name, lr, damping: o.damping };
    case 'sgd':
      if (o.momentum === 0 || o.momentum === undefined) return { name, lr, batchSize: o.batchSize!, seed };
      return { name, lr, batchSize: o.batchSize!, seed, momentum: o.momentum };
    case 'momentum':
    case 'nesterov':
      if (o.batchSize !== undefined) {
        if (name === 'nesterov' && o.momentum === 0) throw new UserError('--momentum: nesterov needs β > 0; give e.g. --momentum 0.9');
        return { name: 'sgd', lr, batchSize: o.batchSize, seed, momentum: o.momentum ?? 0.9, nesterov: name === 'nesterov' };
      }
      return { name, lr, beta: o.momentum ?? 0.9 };
  }
}
