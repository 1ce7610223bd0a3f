import { UserError } from '../core/errors.js';
import { gaussNewton, type GaussNewtonOptions } from './gauss-newton.js';
import { gd, type GdOptions } from './gd.js';
import { momentum, nesterov, type MomentumOptions } from './momentum.js';
import type { Optimizer } from './optimizer.js';
import { outputSpaceGd, type OutputSpaceOptions } from './output-space-gd.js';
import { sgd, type SgdOptions } from './sgd.js';

/**
 * Optimizers by name from a plain spec (what experiment files and the CLI hold). Each entry is the
 * options object of the factory plus `name`; see gd.ts, sgd.ts, momentum.ts, output-space-gd.ts,
 * gauss-newton.ts for the update rules.
 */
export type OptimizerSpec =
  | ({ name: 'gd' } & GdOptions)
  | ({ name: 'sgd' } & SgdOptions)
  | ({ name: 'momentum' } & Omit<MomentumOptions, 'nesterov'>)
  | ({ name: 'nesterov' } & Omit<MomentumOptions, 'nesterov'>)
  | ({ name: 'output-space' } & OutputSpaceOptions)
  | ({ name: 'gauss-newton' } & GaussNewtonOptions);

export type OptimizerName = OptimizerSpec['name'];
export const OPTIMIZERS: readonly OptimizerName[] = ['gd', 'sgd', 'momentum', 'nesterov', 'output-space', 'gauss-newton'];

export function createOptimizer(spec: OptimizerSpec): Optimizer {
  switch (spec.name) {
    case 'gd':
      return gd(spec);
    case 'sgd':
      return sgd(spec);
    case 'momentum':
      return momentum(spec);
    case 'nesterov':
      return nesterov(spec);
    case 'output-space':
      return outputSpaceGd(spec);
    case 'gauss-newton':
      return gaussNewton(spec);
    default:
      throw new UserError(`optimizer: unknown '${String((spec as { name?: unknown })?.name)}'; expected one of ${OPTIMIZERS.join(', ')}`);
  }
}
