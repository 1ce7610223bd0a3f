/**
 * Realization space of shallow ReLU nets (Berner, Elbrächter & Grohs, NeurIPS 2019; THEORY.md §2):
 * realization distances, parameter distances modulo symmetries, the inverse-stability ratio and its
 * search, the pathologies, the restricted parametrization, restricted training and the convexity
 * picture. See README "Realization space (Berner et al.)".
 */
export { type ShallowNet, zeroNet, cloneNet, netFromArrays, netFromTheta, netToTheta, evalNet, evalPoint, differenceNet, flatParams, netFromFlat } from './net.js';
export { type Box, box, cube, parseDomain } from './domain.js';
export { type DistanceComponents, type RealizationNorm, REALIZATION_NORMS, pickNorm } from './norms.js';
export { type Norms1d, norms1d, distance1d, breakpoints1d } from './distance-1d.js';
export { type NdEstimatorOptions, type NdEstimate, type NdLevel, estimateNorms, estimateDistance, lipschitzBound } from './distance-nd.js';
export { type DistanceResult, realizationNorms, realizationDistance, realizationDistanceIn } from './distance.js';
export { type Sampler, SAMPLERS, sobolPoints, samplePoints } from './sampling.js';
export { type Assignment, linearSumAssignment } from './hungarian.js';
export { type BottleneckAssignment, bottleneckAssignment } from './bottleneck.js';
export { balanceNet, balanceDefect } from './balance.js';
export { type ParamNorm, type SymmetryDistance, PARAM_NORMS, neuronOrbitCost, orbitDistance, canonicalDistance, rawDistance } from './symmetry-distance.js';
export { type ParamDistanceKind, type RatioOptions, type RatioResult, inverseStabilityRatio, stabilityRatio, paramDistance } from './ratio.js';
export { type SearchOptions, type SearchResult, type SearchCandidate, searchRatio, randomMember } from './search.js';
export { type PathologyName, type PathologyFamily, type PathologyRow, type PathologyTable, PATHOLOGIES, pathology, runPathology } from './pathologies.js';
export { type RestrictedOptions, type RestrictedCheck, type Violation, type Projection, checkRestricted, projectRestricted, reactivateSlots, orientationOf } from './restricted.js';
export { type RestrictedTrainingOptions, type RestrictedTrainingResult, type TrainingRun, compareRestrictedTraining, restrictedInit } from './restricted-training.js';
export { type ConvexityProfile, convexityProfile, permuteNeurons } from './convexity.js';
