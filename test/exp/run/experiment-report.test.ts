import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../../src/core/backend/registry.js';
import { experimentReport } from '../../../src/exp/run/experiment-report.js';
import { inlineExecutor } from '../../../src/exp/run/inline-executor.js';
import { runJob } from '../../../src/exp/run/run-job.js';
import { runExperiment, type RunLock } from '../../../src/exp/run/run-experiment.js';
import { parseSpec } from '../../../src/exp/spec/validate.js';
import { setupBackend } from '../../nn/setup.js';
import { memoryRunStore } from './memory-store.js';
import { assertSnapshot } from '../../report/fixtures.js';

// The report of a run (exp/run/experiment-report.ts): the Vega-Lite specs built from the records of a
// seeded small run (4 jobs, widths 16 and 64 × seeds 0 and 1, monitors spectrum, drift, movement,
// bound), always on the reference backend so the numbers are the same everywhere, compared with
// test/exp/run/snapshots/experiment-report.json (UPDATE_SNAPSHOTS=1 rewrites it after review), plus
// independent checks: which figures exist, and that the plotted losses are the metrics rows' values.
setupBackend();
useBackend('reference');

test('experimentReport of a seeded run: snapshot of its Vega-Lite specs; the loss figure plots the rows', async () => {
  const spec = parseSpec({
    name: 'report-snapshot',
    description: 'lazy training at two widths',
    data: { name: 'sphere-teacher', n: 8, d: 3 },
    model: { arch: 'mlp', width: 16, parametrization: 'ntk' },
    optimizer: { name: 'gd', lr: 0.5 },
    steps: 20,
    monitorEvery: 5,
    monitors: ['spectrum', 'drift', 'movement', 'bound'],
    sweep: { grid: { 'model.width': [16, 64], seed: [0, 1] } },
  });
  const store = memoryRunStore();
  const summary = await runExperiment({ spec, store, executor: inlineExecutor(runJob, (j) => store.job(j.id)), package: { name: 'overparam', version: 'snapshot' }, backend: 'reference' });
  const lock = JSON.parse(new TextDecoder().decode(store.files.get('spec.lock.json'))) as RunLock;
  const rows = new Map(summary.jobs.map((j) => [j.id, new TextDecoder().decode(store.jobs.get(j.id)!.files.get('metrics.jsonl')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)]));
  const rep = experimentReport(lock, summary, rows);
  assert.deepEqual(Object.keys(rep.figures), ['loss', 'spectrum', 'drift', 'movement']);
  assert.deepEqual(Object.keys(rep.captions), Object.keys(rep.figures));
  assert.equal(rep.title, 'report-snapshot — lazy training at two widths');
  assert.equal(rep.summary, '4 job(s): 4 done, 0 failed, 0 stopped.');
  const plotted = (rep.figures.loss as unknown as { data: { values: { step: number; value: number; series: string; quantity: string }[] } }).data.values;
  for (const [id, rs] of rows) {
    for (const r of rs) {
      const p = plotted.find((v) => v.series === id && v.step === r.step && v.quantity === 'loss');
      assert.equal(p?.value, r.loss, `${id} step ${String(r.step)}`);
    }
  }
  assertSnapshot('experiment-report', rep, 'test/exp/run/snapshots', 'report');
});
