import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../core/errors.js';
import { descriptions, type RunLock } from '../exp/run/run-experiment.js';
import { expandSweep } from '../exp/spec/sweep.js';
import type { QueueState } from '../node/executors/queue.js';
import { readText } from '../node/files.js';

/**
 * `overparam status --redis redis://HOST:PORT[/db] runs/NAME [--json]`
 *
 * Where the jobs of a run submitted with `overparam run --executor redis://…` stand in the queue:
 * counts of waiting / active / done / failed / not submitted jobs (the run's jobs are re-derived from
 * its spec.lock.json, so the queue job ids match the submitter's), and each failed job's error.
 * `--json`: {run, counts, jobs: [{id, queueId, state, error?}]} on stdout.
 */
export interface StatusOptions {
  redis: string;
  json?: boolean;
}

const ORDER: QueueState[] = ['waiting', 'active', 'done', 'failed', 'not submitted'];

export async function statusCommand(run: string, opts: StatusOptions, write: (s: string) => void = (s) => process.stdout.write(s)): Promise<void> {
  const dir = path.resolve(run);
  const file = path.join(dir, 'spec.lock.json');
  if (!existsSync(file)) throw new UserError(`${run}: not a run folder (no spec.lock.json); give the --out folder of \`overparam run\``);
  let lock: RunLock;
  try {
    lock = JSON.parse(readText(file, 'spec.lock.json')) as RunLock;
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${run}/spec.lock.json: not valid JSON (${(e as Error).message})`);
  }
  if (lock.format !== 'overparam.run-lock') throw new UserError(`${run}/spec.lock.json: not an overparam run lock`);
  const jobs = descriptions(expandSweep(lock.spec));
  const { queueStatus } = await import('../node/executors/queue.js');
  const st = await queueStatus(opts.redis, dir, jobs);
  if (opts.json) {
    write(JSON.stringify({ run: dir, counts: st.counts, jobs: st.jobs }, null, 2) + '\n');
    return;
  }
  write(`${run}: ${jobs.length} job(s): ${ORDER.map((k) => `${st.counts[k]} ${k}`).join(', ')}\n`);
  for (const j of st.jobs) if (j.state === 'failed') write(`  failed ${j.id}: ${j.error ?? ''}\n`);
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Counts of waiting/active/done/failed jobs of a run submitted to a Redis queue.')
    .argument('<run>', 'run folder (runs/NAME)')
    .requiredOption('--redis <url>', 'Redis server of the queue: redis://HOST:PORT[/db]')
    .option('--json', 'machine-readable output')
    .action(async (run: string, opts: StatusOptions) => {
      await statusCommand(run, opts);
    });
}
