/**
 * src/train — losses, optimizers, the linearized model, closed-form kernel dynamics and the training
 * loop with checkpointable state (DESIGN.md). Public API of the layer.
 */
export { squaredLoss, crossEntropyLoss, lossFunction, type LossValue, type LossName } from './loss.js';
export { KernelDynamics, type KernelDynamicsOptions } from './kernel-dynamics.js';
export {
  lrScales,
  unitScales,
  trainableIndices,
  fullGradient,
  descend,
  encodeVector,
  decodeVector,
  curvatureHint,
  type Optimizer,
  type OptimizerState,
  type StepContext,
  type StepResult,
  type Evaluation,
  type CurvatureProbe,
  type JsonValue,
} from './optimizer.js';
export { gd, type GdOptions } from './gd.js';
export { momentum, nesterov, Velocity, type MomentumOptions } from './momentum.js';
export { sgd, type SgdOptions } from './sgd.js';
export { EpochSampler, gatherRows, type Batch, type SamplerState } from './minibatch.js';
export { outputSpaceGd, type OutputSpaceOptions, type OutputSpaceInfo } from './output-space-gd.js';
export { outputSpaceFlow, type OutputSpaceFlowOptions, type OutputSpaceFlowResult, type FlowPoint } from './output-space-flow.js';
export { gaussNewton, type GaussNewtonOptions } from './gauss-newton.js';
export { jacobianSystem, gramRank, pinvSolve, type JacobianSystem, type SystemForm, type RankDecision } from './jacobian-system.js';
export { createOptimizer, OPTIMIZERS, type OptimizerSpec, type OptimizerName } from './optimizers.js';
export { LinearizedModel, linearize } from './linearized.js';
export { kernelReference, metricKernel, type KernelReference, type KernelReferenceOptions } from './kernel-reference.js';
export {
  DivergenceError,
  divergenceThreshold,
  lossVerdict,
  firstNonFinite,
  gaussNewtonLambdaMax,
  curvatureProbe,
  type DivergenceRule,
  type DivergenceReason,
  type DivergenceDetails,
} from './divergence.js';
export { readTrainState, NONDETERMINISTIC_FIELDS, type TrainState, type MetricsRow } from './train-state.js';
export { train, type TrainOptions, type TrainResult, type TrainData } from './trainer.js';
