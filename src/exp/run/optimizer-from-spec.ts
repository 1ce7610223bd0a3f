import type { OptimizerSpec as TrainOptimizerSpec } from '../../train/index.js';
import type { OptimizerSpec } from '../spec/schema.js';

/**
 * The trainer's optimizer options (src/train/optimizers.ts) for a resolved `optimizer` section.
 * Momentum / Nesterov with a batch size become mini-batch SGD with momentum; every mini-batch method
 * draws its batches from `seed` (the experiment seed), so a job is reproducible from its spec alone.
 */
export function optimizerFromSpec(o: OptimizerSpec, seed: number): TrainOptimizerSpec {
  switch (o.name) {
    case 'gd':
      return { name: 'gd', lr: o.lr };
    case 'sgd':
      return { name: 'sgd', lr: o.lr, batchSize: o.batchSize, seed };
    case 'momentum':
    case 'nesterov':
      if (o.batchSize !== undefined) return { name: 'sgd', lr: o.lr, batchSize: o.batchSize, seed, momentum: o.momentum, nesterov: o.name === 'nesterov' };
      return { name: o.name, lr: o.lr, beta: o.momentum };
    case 'output-space':
      return { name: 'output-space', lr: o.lr };
    case 'gauss-newton':
      return { name: 'gauss-newton', lr: o.lr, damping: o.damping };
  }
}
