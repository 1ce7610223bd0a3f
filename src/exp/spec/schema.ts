import { z } from 'zod';
import { bool, folderName, line, nonNegInt, posInt, uniqueList } from './fields.js';
import { CLASS_SETS, DataSpec } from './schema-data.js';
import { ModelSpec } from './schema-model.js';
import { OptimizerSpec } from './schema-optimizer.js';

/**
 * The experiment spec: one JSON (or YAML) document saying what to train on what, how, what to watch
 * and what to sweep. This zod schema is the single source of truth: the JSON Schema in
 * schema/experiment.schema.json is generated from it (scripts/gen-schema.mjs), the TypeScript types
 * below are inferred from it, and spec/validate.ts turns its issues into one-line messages.
 * Every field has a description and a default, so `{}` is a valid spec (sphere-teacher, MLP, GD).
 * Sections: data (schema-data.ts), model (schema-model.ts), optimizer (schema-optimizer.ts).
 */
export const MONITORS = ['spectrum', 'drift', 'movement', 'rank', 'bound', 'stopping', 'sharpness', 'implicit', 'generalization'] as const;
export type MonitorName = (typeof MONITORS)[number];
export const LOSSES = ['squared', 'cross-entropy'] as const;

const pointLists = (what: string) =>
  z
    .record(z.string(), z.array(z.unknown()).min(1))
    .default({})
    .describe(what);

export const SweepSpec = z
  .strictObject({
    grid: pointLists('Cartesian product: {"dotted.path": [values…]} over any field of the spec ("model.width", "optimizer.lr", "seed", …); every combination is one job.'),
    zip: pointLists('Zipped lists: {"dotted.path": [values…]}, all of the same length; the i-th values together form one point. Combined with grid as grid × zip.'),
  })
  .prefault({})
  .describe('Parameter sweep. Each job is the spec with one point applied (spec/sweep.ts); without a sweep there is one job, `run`.');

export const ReproductionSpec = z
  .looseObject({
    id: z.string().min(1).describe('Identifier of the paper claim this experiment reproduces (see experiments/).'),
    checks: z.array(z.unknown()).default([]).describe('Claim checks to run on the results (defined by the runner).'),
  })
  .describe('Optional: which reproduction this is and which claim checks to run on its results (free-form; the runner defines the checks).');

export const ScalesSpec = z
  .record(z.string(), z.record(z.string(), z.unknown()))
  .describe(
    'Optional named size variants of the experiment, selected with `overparam run --scale NAME` (spec/scale.ts): {"tiny": {"dotted.path": value, …}, "large": {…}}. Each value replaces the field at its path ("steps", "data.n", "model.width"); "sweep.grid.<path>" / "sweep.zip.<path>" replace one swept list (e.g. "sweep.grid.model.width": [32, 64]); null removes the field or swept path (back to its default). `--scale default` (or no flag) runs the spec as written.',
  );

export const ExperimentSpec = z
  .strictObject({
    $schema: z.string().optional().describe('Optional link to schema/experiment.schema.json for editors; ignored.'),
    name: folderName().default('experiment').describe('Name of the experiment; it names the run folder.'),
    description: z.string().default('').describe('Free text: what the experiment shows.'),
    seed: nonNegInt().default(0).describe('Seed of the network initialization and of the training randomness (mini-batches). The data has its own data.seed.'),
    data: DataSpec,
    model: ModelSpec,
    optimizer: OptimizerSpec,
    loss: z.enum(LOSSES).default('squared').describe("Training loss: 'squared' L = ½ Σᵢ ‖f(xᵢ) − yᵢ‖² (sum over samples, Du et al.) or 'cross-entropy' (mean over samples; needs class targets)."),
    steps: nonNegInt().default(1000).describe('Number of optimizer steps.'),
    monitors: uniqueList(z.enum(MONITORS), `a list of distinct monitor names (${MONITORS.join(', ')})`, 0)
      .default(['spectrum', 'drift', 'movement'])
      .describe('Theory monitors computed during training (src/diag): spectrum, drift, movement, rank, bound, stopping, sharpness, implicit, generalization.'),
    monitorEvery: posInt().default(10).describe('Compute monitors every this many steps (and always at step 0 and the last step).'),
    linearized: bool().default(false).describe('Also train the linearized model f_lin(θ) = f(θ₀) + J(θ₀)(θ − θ₀) side by side.'),
    checkpointEvery: nonNegInt().default(0).describe('Write a resumable checkpoint every this many steps (0: no periodic checkpoints).'),
    sweep: SweepSpec,
    reproduction: ReproductionSpec.optional(),
    scales: ScalesSpec.optional(),
  })
  .superRefine((s, ctx) => {
    const classData = CLASS_SETS.includes(s.data.name) && 'targets' in s.data && s.data.targets !== 'pm1';
    if (s.loss === 'cross-entropy') {
      if (s.data.name !== 'csv' && !classData) {
        const why = 'targets' in s.data ? `data.targets is 'pm1'` : `data '${s.data.name}' is a regression set`;
        ctx.addIssue({ code: 'custom', path: ['loss'], message: line(`'cross-entropy' needs class targets ('one-hot' or 'index') but ${why}; use loss 'squared'`) });
      }
      const k = 'outputs' in s.model ? s.model.outputs : 1;
      if (k !== 'auto' && k < 2) ctx.addIssue({ code: 'custom', path: ['model', 'outputs' in s.model ? 'outputs' : 'arch'], message: line(`'cross-entropy' needs at least 2 outputs, the model has ${k}`) });
    }
    const b = 'batchSize' in s.optimizer ? s.optimizer.batchSize : undefined;
    const n = s.data.n;
    if (b !== undefined && n !== undefined && b > n) ctx.addIssue({ code: 'custom', path: ['optimizer', 'batchSize'], message: line(`expected at most data.n = ${n}, got ${b}`) });
  });

/** A spec as written by the user (every field optional). */
export type SpecInput = z.input<typeof ExperimentSpec>;
/** A fully resolved spec: every default filled (spec/validate.ts resolveSpec); what spec.lock.json holds. */
export type ResolvedSpec = z.output<typeof ExperimentSpec>;
export type SweepSpec = z.output<typeof SweepSpec>;
export type ReproductionSpec = z.output<typeof ReproductionSpec>;

export { DataSpec, ModelSpec, OptimizerSpec };
export type { DataName } from './schema-data.js';
export { DATA_NAMES, NORMALIZATIONS, TARGETS, IRIS_CLASSES } from './schema-data.js';
export type { ArchName, MlpModelSpec } from './schema-model.js';
export { mlpHiddenWidths, MLP_DEFAULT_DEPTH, MLP_DEFAULT_WIDTH } from './schema-model.js';
export type { OptimizerName } from './schema-optimizer.js';
