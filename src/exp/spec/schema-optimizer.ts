import { z } from 'zod';
import { halfOpenUnit, posInt, posNumber } from './fields.js';

/**
 * The `optimizer` section, discriminated by `name`. Learning rates are η of θ ← θ − η ∇L with the
 * house loss L = ½ Σᵢ ‖f(xᵢ) − yᵢ‖² (a sum over samples, DESIGN.md), so full-batch GD on a kernel
 * with top eigenvalue λ_max is stable for η < 2/λ_max; the defaults are conservative, not tuned.
 * `batchSize` absent means full batch.
 */
const lr = (dflt: number) => posNumber().default(dflt).describe('Learning rate η (θ ← θ − η ∇L, L = ½ Σ‖f − y‖² summed over samples).');
const batchSize = () => posInt().optional().describe('Samples per step, drawn by a seeded permutation each epoch (default: full batch).');
const momentum = () => halfOpenUnit().default(0.9).describe('Momentum coefficient β in [0, 1).');

export const GdOptimizer = z.strictObject({
  name: z.literal('gd').default('gd').describe('Full-batch gradient descent.'),
  lr: lr(0.01),
});

export const SgdOptimizer = z.strictObject({
  name: z.literal('sgd').describe('Mini-batch stochastic gradient descent.'),
  lr: lr(0.01),
  batchSize: posInt().default(16).describe('Samples per step, drawn by a seeded permutation each epoch.'),
});

export const MomentumOptimizer = z.strictObject({
  name: z.literal('momentum').describe('Heavy-ball momentum: v ← βv + ∇L, θ ← θ − ηv.'),
  lr: lr(0.01),
  momentum: momentum(),
  batchSize: batchSize(),
});

export const NesterovOptimizer = z.strictObject({
  name: z.literal('nesterov').describe('Nesterov accelerated gradient.'),
  lr: lr(0.01),
  momentum: momentum(),
  batchSize: batchSize(),
});

export const OutputSpaceOptimizer = z.strictObject({
  name: z.literal('output-space').describe('Output-space (geometrically adapted) gradient descent of Chen & Muñoz Ewald: Δθ = −η Jᵀ(JJᵀ)⁻¹(f − y), so the residual shrinks by (1 − η) per step to first order (THEORY.md §3).'),
  lr: lr(0.1),
});

export const GaussNewtonOptimizer = z.strictObject({
  name: z.literal('gauss-newton').describe('Damped Gauss–Newton: Δθ = −η Jᵀ(JJᵀ + λI)⁻¹(f − y) = −η (JᵀJ + λI)⁻¹Jᵀ(f − y).'),
  lr: lr(1),
  damping: posNumber().default(1e-6).describe('Damping λ added to the kernel JJᵀ before solving.'),
});

export const OptimizerSpec = z
  .discriminatedUnion('name', [GdOptimizer, SgdOptimizer, MomentumOptimizer, NesterovOptimizer, OutputSpaceOptimizer, GaussNewtonOptimizer])
  .prefault({})
  .describe('How the parameters are trained. Default: full-batch gradient descent with η = 0.01.');

export type OptimizerSpec = z.output<typeof OptimizerSpec>;
export type OptimizerName = OptimizerSpec['name'];
