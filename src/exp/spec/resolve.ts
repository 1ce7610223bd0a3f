import { UserError } from '../../core/errors.js';
import { fillConditionalDefaults } from './defaults.js';
import { issueLines } from './messages.js';
import { ExperimentSpec, type ResolvedSpec } from './schema.js';

/**
 * A spec that does not validate: one UserError whose message is a header line and one line per
 * problem (spec/messages.ts), e.g.
 *
 *   spec.json: 2 problems in the experiment spec
 *     model.widths[2]: expected a positive integer, got -3
 *     optimizer.lr: expected a positive number, got 0
 *
 * `problems` holds the lines themselves (for the web UI and tests).
 */
export class SpecError extends UserError {
  readonly problems: readonly string[];
  readonly source: string;
  constructor(source: string, problems: readonly string[]) {
    const head = `${source}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`} in the experiment spec`;
    super([head, ...problems.map((p) => `  ${p}`)].join('\n'));
    this.problems = Object.freeze([...problems]);
    this.source = source;
  }
}

/**
 * Validate a spec object (as written: any field may be missing) and fill every default, including
 * the conditional ones (MLP width/depth when no widths, nTest = 0 when no testFraction). The result
 * is a fresh plain-JSON object (no shared default arrays): what spec.lock.json records. Resolving a
 * resolved spec returns an equal spec. Does not look at sweep points (parseSpec does).
 */
export function resolveSpec(input: unknown, source = 'spec'): ResolvedSpec {
  const r = ExperimentSpec.safeParse(input);
  if (!r.success) throw new SpecError(source, issueLines(r.error.issues, input, ExperimentSpec));
  return fillConditionalDefaults(structuredClone(r.data));
}
