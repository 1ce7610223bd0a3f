import { z } from 'zod';
import { ExperimentSpec } from './schema.js';

/**
 * The JSON Schema (draft 2020-12) of the experiment spec, generated from the zod schema with zod 4's
 * `z.toJSONSchema` on the input side (what a user writes: fields with defaults are optional and carry
 * `default`). Cross-field rules (nTest vs testFraction, cross-entropy needs classes, …) are checked
 * by parseSpec only. schema/experiment.schema.json is this text (scripts/gen-schema.mjs, `npm run
 * build:schema`); test/exp/schema-file.test.ts fails when the committed file is stale.
 */
export function experimentJsonSchema(): Record<string, unknown> {
  const s = z.toJSONSchema(ExperimentSpec, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  const { $schema, ...rest } = s;
  return { $schema, title: 'overparam experiment spec', ...rest };
}

/** The schema file's exact text: 2-space JSON and a final newline. */
export function experimentJsonSchemaText(): string {
  return JSON.stringify(experimentJsonSchema(), null, 2) + '\n';
}
