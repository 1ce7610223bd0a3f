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

// Networks, derivatives and kernels (src/nn).
export { parametrization, PARAMETRIZATIONS, type Parametrization, type ParametrizationName } from './nn/parametrization.js';
export type { Model, ParamSlice, ForwardTrace, TangentFactor } from './nn/model.js';
export type { Monitor, MonitorContext } from './nn/monitor.js';
export { mlp, type MlpOptions } from './nn/models/mlp.js';
export { shallowRelu, shallowReluParts } from './nn/models/shallow-relu.js';
export { duResNet } from './nn/models/resnet.js';
export { duFc } from './nn/models/du-fc.js';
export { duTwoLayer } from './nn/models/du-two-layer.js';
export { duConvResNet } from './nn/models/conv-resnet.js';
export { jacobian } from './nn/jacobian.js';
export { empiricalNtk, ntkMatvec, type NtkOptions, type NtkResult } from './nn/ntk/empirical.js';
export { analyticKernel, type AnalyticKernelOptions } from './nn/ntk/analytic.js';
export { duGram, duTwoLayerGram } from './nn/ntk/du-kernels.js';
export { saveModel, loadModel, registerArch } from './nn/io/model-file.js';
export { encodeSafetensors, decodeSafetensors } from './nn/io/safetensors.js';

// Training (src/train) and theory monitors (src/diag).
export * as train from './train/index.js';
export * as diag from './diag/index.js';

// Experiments (src/exp): specs, datasets, runs.
export { parseSpec, resolveSpec } from './exp/spec/validate.js';
export { expandSweep } from './exp/spec/sweep.js';
export { loadDataset } from './exp/datasets/registry.js';
export { runJob, prepareJob } from './exp/run/run-job.js';
export { runExperiment, type RunStore, type Summary } from './exp/run/run-experiment.js';
export { inlineExecutor } from './exp/run/inline-executor.js';
export type { Executor } from './exp/run/executor.js';
export type { JobDescription, JobResult, JobStore } from './exp/run/job.js';

// Reports (src/report): Vega-Lite figures and self-contained HTML from plain rows.
export * as report from './report/index.js';
