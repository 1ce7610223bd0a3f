import { test } from 'node:test';
import assert from 'node:assert/strict';
import { descriptions } from '../../../src/exp/run/run-experiment.js';
import { serialize } from '../../../src/exp/run/metrics-row.js';
import { optimizerFromSpec } from '../../../src/exp/run/optimizer-from-spec.js';
import { prepareJob, runJob } from '../../../src/exp/run/run-job.js';
import type { ResolvedSpec } from '../../../src/exp/spec/schema.js';
import { expandSweep } from '../../../src/exp/spec/sweep.js';
import { parseSpec } from '../../../src/exp/spec/validate.js';
import { empiricalNtk } from '../../../src/nn/ntk/empirical.js';
import { createOptimizer, KernelDynamics, linearize, train } from '../../../src/train/index.js';
import { setupBackend } from '../../nn/setup.js';
import { memoryJobStore } from './memory-store.js';

// `linearized: true` (exp/run/run-job.ts): metrics.linearized.jsonl holds the linearized model
// f_lin(θ) = f(θ₀) + J₀(θ − θ₀) trained by the job's optimizer. For GD its loss must follow the closed
// form u_t − y = (I − ηΘ₀)ᵗ(u₀ − y) (KernelDynamics, eigh of the empirical NTK Θ₀ = J₀J₀ᵀ; Lee et al.
// 2019 eq. (8)): relative error ≤ 1e-10 over 40 steps, with two outputs (spirals one-hot; the full
// (n·k)×(n·k) kernel). The
// file is also byte for byte the rows of train() on the LinearizedModel directly, for GD and for SGD,
// and unchanged when the job is stopped and resumed.
setupBackend();

const specOf = (optimizer: Record<string, unknown>): ResolvedSpec =>
  parseSpec({
    name: 'lin',
    data: { name: 'spirals', n: 9, targets: 'one-hot' },
    model: { arch: 'mlp', width: 32, parametrization: 'ntk' },
    optimizer,
    steps: 40,
    monitorEvery: 1,
    checkpointEvery: 7,
    monitors: [],
    linearized: true,
  });
const rowsOf = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss: number });

async function direct(spec: ResolvedSpec): Promise<string> {
  const { data, model, theta0 } = await prepareJob(spec);
  const res = train({ model: linearize(model, theta0), params: theta0, data: { X: data.X, y: data.y }, optimizer: createOptimizer(optimizerFromSpec(spec.optimizer, spec.seed)), steps: spec.steps, monitorEvery: spec.monitorEvery });
  return res.rows.map((r) => serialize(r).metrics).join('');
}

test('GD: the linearized loss follows the closed form ½‖(I − ηΘ₀)ᵗ r₀‖² to 1e-10', async () => {
  const spec = specOf({ name: 'gd', lr: 0.4 });
  const store = memoryJobStore();
  const r = await runJob(descriptions(expandSweep(spec))[0]!, { store });
  assert.equal(r.status, 'done', r.error);
  const rows = rowsOf(store.text('metrics.linearized.jsonl')!);
  assert.deepEqual(rows.map((x) => x.step), Array.from({ length: 41 }, (_, t) => t));
  const { data, model, theta0 } = await prepareJob(spec);
  assert.equal(data.y.cols, 2);
  const dyn = new KernelDynamics(empiricalNtk(model, theta0, data.X).kernel, data.y, { learningRate: 0.4 });
  const u0 = model.forward(theta0, data.X);
  let worst = 0;
  for (const row of rows) {
    const u = dyn.train(row.step, u0);
    let closed = 0;
    for (let i = 0; i < u.size; i++) closed += 0.5 * (u.data[i]! - data.y.data[i]!) ** 2;
    worst = Math.max(worst, Math.abs(row.loss - closed) / closed);
  }
  assert.ok(worst <= 1e-10, `max relative error ${worst}`);
  assert.ok(rows[40]!.loss < 0.5 * rows[0]!.loss, 'the loss decreases');
  assert.equal(store.text('metrics.linearized.jsonl'), await direct(spec), 'bytes of train() on the LinearizedModel');
});

test('SGD: metrics.linearized.jsonl = train() on the LinearizedModel; stop + resume leaves it unchanged', async () => {
  const spec = specOf({ name: 'sgd', lr: 0.2, batchSize: 3 });
  const job = descriptions(expandSweep(spec))[0]!;
  const want = await direct(spec);
  const whole = memoryJobStore();
  await runJob(job, { store: whole });
  assert.equal(whole.text('metrics.linearized.jsonl'), want);
  const parts = memoryJobStore();
  let polls = 0;
  const stopped = await runJob(job, { store: parts, shouldStop: () => ++polls === 10 });
  assert.equal(stopped.status, 'stopped');
  assert.equal(parts.files.has('metrics.linearized.jsonl'), false, 'written when the job ends');
  await runJob(job, { store: parts });
  assert.equal(parts.text('metrics.linearized.jsonl'), want);
  assert.equal(parts.text('metrics.jsonl'), whole.text('metrics.jsonl'));
});
