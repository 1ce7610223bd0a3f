import { UserError } from '../core/errors.js';
import type { Monitor } from '../nn/monitor.js';
import { BOUND_FIELDS, boundMonitor, type BoundOptions } from './bound.js';
import { DRIFT_FIELDS, driftMonitor, type DriftOptions } from './drift.js';
import { GENERALIZATION_FIELDS, generalizationMonitor, type GeneralizationOptions } from './generalization.js';
import { IMPLICIT_FIELDS, implicitMonitor } from './implicit.js';
import { MOVEMENT_FIELDS, movementMonitor } from './movement.js';
import { RANK_FIELDS, rankMonitor, type RankMonitorOptions } from './rank.js';
import { SHARPNESS_FIELDS, sharpnessMonitor, type SharpnessOptions } from './sharpness.js';
import { SPECTRUM_FIELDS, spectrumMonitor, type SpectrumOptions } from './spectrum.js';
import { STOPPING_FIELDS, stoppingMonitor, type StoppingOptions } from './stopping.js';

/**
 * diag — theory monitors (src/nn/monitor.ts contract) computed from (model, θ, data), never from
 * src/train (DESIGN.md import direction). Each monitor is a factory in its own file documenting its
 * row fields, cost and tolerances; this registry builds them by name for `--monitors` lists.
 */
export { boundMonitor, initialLoss, BOUND_FIELDS, type BoundOptions } from './bound.js';
export { driftMonitor, DRIFT_FIELDS, type DriftOptions } from './drift.js';
export { generalizationMonitor, kernelComplexity, GENERALIZATION_FIELDS, type GeneralizationOptions } from './generalization.js';
export { implicitMonitor, IMPLICIT_FIELDS } from './implicit.js';
export { movementMonitor, MOVEMENT_FIELDS } from './movement.js';
export { rankMonitor, RANK_FIELDS, type RankMonitorOptions } from './rank.js';
export { sharpnessMonitor, SHARPNESS_FIELDS, type SharpnessOptions } from './sharpness.js';
export { spectrumMonitor, SPECTRUM_FIELDS, type SpectrumOptions } from './spectrum.js';
export { stoppingMonitor, adaptedStoppingStep, STOPPING_FIELDS, type StoppingOptions } from './stopping.js';
export { disparity, disparityFrom, evaluationSet, type Disparity, type DisparityOptions } from './disparity.js';
export { realDft, periodicGrid } from './dft.js';
export { lossHessian, type LossHessian, type LossHessianOptions } from './hessian.js';
export { ntkExtremes, kernelExtremes, type ExtremeOptions, type Extremes } from './ntk-extremes.js';
export * as realization from './realization/index.js';

export type MonitorName = 'spectrum' | 'drift' | 'movement' | 'rank' | 'bound' | 'stopping' | 'sharpness' | 'implicit' | 'generalization';

/** Per-monitor options for `createMonitors`, keyed by monitor name. */
export interface MonitorOptions {
  spectrum?: SpectrumOptions;
  drift?: DriftOptions;
  rank?: RankMonitorOptions;
  bound?: BoundOptions;
  stopping?: StoppingOptions;
  sharpness?: SharpnessOptions;
  generalization?: GeneralizationOptions;
}

export interface MonitorInfo {
  readonly name: MonitorName;
  /** One line, for CLI help and the README. */
  readonly description: string;
  /** The metrics-row fields the monitor writes (exactly these keys, every row). */
  readonly fields: readonly string[];
}

export const MONITORS: readonly MonitorInfo[] = [
  { name: 'spectrum', description: 'λ_min, λ_max and condition number of the empirical NTK H(t), λ_min(t)/λ_min(0) (eigh, or Lanczos for large n)', fields: SPECTRUM_FIELDS },
  { name: 'drift', description: 'relative kernel drift ‖H(t) − H(0)‖_F/‖H(0)‖_F, total and per layer', fields: DRIFT_FIELDS },
  { name: 'movement', description: 'weight movement ‖θ(t) − θ(0)‖, relative and absolute, total, per tensor and max per neuron', fields: MOVEMENT_FIELDS },
  { name: 'rank', description: "numerical rank and σ_min of the Jacobian and of Jiang's disparity matrix (1-D Fourier grid or training inputs)", fields: RANK_FIELDS },
  { name: 'bound', description: "Du et al.'s linear rate L(t) ≤ (1 − ηλ₀/2)ᵗ L(0): bound value and whether it holds", fields: BOUND_FIELDS },
  { name: 'stopping', description: "Chen's a-priori stopping time for a target loss ε, whether it was met, rank-loss and critical-point events", fields: STOPPING_FIELDS },
  { name: 'sharpness', description: 'top Hessian eigenvalue of the loss vs 2/η (edge of stability), and its Gauss–Newton part', fields: SHARPNESS_FIELDS },
  { name: 'implicit', description: 'distance to the min-norm interpolant of the linearized model and gap to the linearized GD trajectory', fields: IMPLICIT_FIELDS },
  { name: 'generalization', description: 'kernel generalization bound √(2yᵀH⁻¹y/n) (Arora et al. 2019) and the measured test loss/error', fields: GENERALIZATION_FIELDS },
];

export const MONITOR_NAMES: readonly MonitorName[] = MONITORS.map((m) => m.name);

/** "name — description" lines for CLI help. */
export function describeMonitors(): string {
  const w = Math.max(...MONITOR_NAMES.map((n) => n.length));
  return MONITORS.map((m) => `${m.name.padEnd(w)}  ${m.description}`).join('\n');
}

function create(name: MonitorName, o: MonitorOptions): Monitor {
  switch (name) {
    case 'spectrum':
      return spectrumMonitor(o.spectrum);
    case 'drift':
      return driftMonitor(o.drift);
    case 'movement':
      return movementMonitor();
    case 'rank':
      return rankMonitor(o.rank);
    case 'bound':
      return boundMonitor(o.bound);
    case 'stopping':
      return stoppingMonitor(o.stopping);
    case 'sharpness':
      return sharpnessMonitor(o.sharpness);
    case 'implicit':
      return implicitMonitor();
    case 'generalization':
      return generalizationMonitor(o.generalization);
  }
}

/**
 * Monitors by name (order kept). An unknown or repeated name is a UserError listing the valid names;
 * surrounding whitespace is ignored (`--monitors "spectrum, drift"`).
 */
export function createMonitors(names: readonly string[], options: MonitorOptions = {}): Monitor[] {
  const seen = new Set<string>();
  return names.map((raw) => {
    const name = raw.trim();
    if (!(MONITOR_NAMES as readonly string[]).includes(name)) throw new UserError(`monitors: unknown monitor '${raw}'; valid names: ${MONITOR_NAMES.join(', ')}`);
    if (seen.has(name)) throw new UserError(`monitors: '${name}' is listed twice`);
    seen.add(name);
    return create(name as MonitorName, options);
  });
}
