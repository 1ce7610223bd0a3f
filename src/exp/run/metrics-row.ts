import { NONDETERMINISTIC_FIELDS, type MetricsRow } from '../../train/index.js';

/**
 * How a metrics row (DESIGN.md "Metrics rows", train/train-state.ts) is written to disk, shared by the
 * experiment runner (run-job.ts) and `overparam train` (cli/train.ts), so both produce the same bytes:
 *
 *   metrics.jsonl  one `JSON.stringify` line per row with the deterministic fields only, in the order
 *                  the trainer built the row (step, loss, …, optimizer fields, monitor fields); the same
 *                  run gives the same bytes (JSON numbers are shortest round-trip decimals);
 *   timing.jsonl   `{step, wall_seconds}` — the NONDETERMINISTIC_FIELDS, kept apart.
 */
export function serialize(row: MetricsRow): { metrics: string; timing: string } {
  const clean: Record<string, unknown> = {};
  const timing: Record<string, unknown> = { step: row.step };
  for (const [k, v] of Object.entries(row)) {
    if (NONDETERMINISTIC_FIELDS.includes(k)) timing[k] = v;
    else clean[k] = v;
  }
  return { metrics: JSON.stringify(clean) + '\n', timing: JSON.stringify(timing) + '\n' };
}

/** The deterministic fields of a row ({} for none), e.g. the `final` row of a result or summary. */
export function deterministic(row: MetricsRow | undefined): Record<string, unknown> {
  if (!row) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (!NONDETERMINISTIC_FIELDS.includes(k)) out[k] = v;
  return out;
}
