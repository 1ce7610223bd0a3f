/**
 * overparam — public API (browser-safe: nothing here imports a node: module; Node-only adapters are
 * in `overparam/node`).
 */
export { Tensor } from './core/tensor.js';
export type { DType, FloatArray } from './core/dtype.js';
export { Rng, type RngState } from './core/rng.js';
export { UserError, NumericalError } from './core/errors.js';
export * as ops from './core/ops/index.js';
export { backend, useBackend, registerBackend, availableBackends } from './core/backend/registry.js';
export type { Backend, BackendInfo, BackendName, BackendChoice, LapackKernels } from './core/backend/types.js';
export { activation, ACTIVATIONS, type Activation, type ActivationName } from './nn/activation.js';
