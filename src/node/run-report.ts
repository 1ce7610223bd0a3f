import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { experimentReport, type RowsByJob } from '../exp/run/experiment-report.js';
import type { RunLock, Summary } from '../exp/run/run-experiment.js';
import { reproductionFigures } from '../exp/reproductions/index.js';
import { writeReport, type WrittenReport } from './report-render.js';

/** Parsed metrics.jsonl rows (a trailing partial line — a killed run — is ignored). */
export function readMetrics(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  const out: Record<string, unknown>[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      break;
    }
  }
  return out;
}

function readJson<T>(file: string, what: string): T {
  if (!existsSync(file)) throw new UserError(`${what}: no ${path.basename(file)} in ${path.dirname(file)}; is this a run folder (overparam run … --out DIR)?`);
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** (Re-)render report.html and figures/ of a run folder from its files alone. */
export async function renderRunReport(dir: string, footer: { version: string; backend: string }): Promise<WrittenReport> {
  const lock = readJson<RunLock>(path.join(dir, 'spec.lock.json'), 'report');
  const summary = readJson<Summary>(path.join(dir, 'summary.json'), 'report');
  const rows: RowsByJob = new Map(summary.jobs.map((j) => [j.id, readMetrics(path.join(dir, 'jobs', j.id, 'metrics.jsonl'))]));
  const extra = reproductionFigures(lock.spec, summary, rows);
  const rep = experimentReport(lock, summary, rows, extra);
  return writeReport(dir, { ...rep, footer: { ...footer, backend: lock.backend, rendered_with: footer.backend } });
}
