import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { createMonitors, describeMonitors, MONITOR_NAMES, MONITORS } from '../../src/diag/index.js';
import type { MonitorContext } from '../../src/nn/monitor.js';
import { mlp } from '../../src/nn/models/mlp.js';
import { context, rowText, setupBackend } from './helpers.js';

// Registry: the nine names in order, unknown / repeated names are UserErrors listing the valid names,
// every monitor writes exactly its declared fields and no two monitors share a field; all monitors
// resumed from JSON baselines mid-run give rows identical to the uninterrupted ones; the per-row kernel
// cache is never stale when a context object is reused with θ changed in place.
setupBackend();

const ALL = ['spectrum', 'drift', 'movement', 'rank', 'bound', 'stopping', 'sharpness', 'implicit', 'generalization'];

test('registry: names, descriptions, errors', () => {
  assert.deepEqual([...MONITOR_NAMES], ALL);
  assert.deepEqual(createMonitors([' spectrum', 'drift ']).map((m) => m.name), ['spectrum', 'drift']);
  const help = describeMonitors();
  for (const n of ALL) assert.match(help, new RegExp(`^${n} +\\S`, 'm'));
  assert.throws(
    () => createMonitors(['spectrum', 'curvature']),
    (e: unknown) => e instanceof UserError && /unknown monitor 'curvature'/.test(e.message) && e.message.includes(ALL.join(', ')),
  );
  assert.throws(() => createMonitors(['rank', 'rank']), (e: unknown) => e instanceof UserError && /listed twice/.test(e.message));
});

function setup() {
  const rng = Rng.fromSeed(101);
  const model = mlp({ sizes: [3, 24, 1], activation: 'tanh', parametrization: 'ntk', sigmaB: 0.3 });
  const theta0 = model.init(rng);
  const X = rng.normalTensor([6, 3]);
  const y = rng.normalTensor([6, 1]);
  const Xtest = rng.normalTensor([4, 3]);
  const ytest = rng.normalTensor([4, 1]);
  const thetas = [theta0];
  for (let t = 1; t <= 4; t++) thetas.push(thetas[t - 1]!.map((v, i) => v - 0.01 * Math.cos(i * t)));
  const ctx = (t: number): MonitorContext => context({ model, theta: thetas[t]!, theta0, X, y, Xtest, ytest, step: t, lr: 0.05, withTrace: t % 2 === 1 });
  return { ctx };
}

test('registry: each monitor writes exactly its declared fields; fields are disjoint across monitors', () => {
  const { ctx } = setup();
  const mons = createMonitors(ALL, { stopping: { epsilon: 1e-3 } });
  const c0 = ctx(0);
  const seen = new Map<string, string>();
  mons.forEach((m, i) => {
    m.start?.(c0);
    const row = m.measure(ctx(1));
    assert.deepEqual(Object.keys(row).sort(), [...MONITORS[i]!.fields].sort(), `${m.name} fields`);
    for (const f of Object.keys(row)) {
      assert.ok(!seen.has(f), `field ${f} of ${m.name} also written by ${seen.get(f)}`);
      seen.set(f, m.name);
    }
    assert.doesNotThrow(() => JSON.stringify(row));
  });
});

test('registry: resume from JSON baselines mid-run gives identical rows for every monitor', () => {
  const { ctx } = setup();
  const opts = { stopping: { epsilon: 1e-3 }, drift: { spectral: true } };
  const run = createMonitors(ALL, opts);
  run.forEach((m) => m.start?.(ctx(0)));
  const rows: string[][] = [];
  for (let t = 0; t <= 2; t++) rows.push(run.map((m) => rowText(m.measure(ctx(t)))));
  const saved = JSON.stringify(run.map((m) => m.baseline?.() ?? null));
  const resumed = createMonitors(ALL, opts);
  const b = JSON.parse(saved) as unknown[];
  resumed.forEach((m, i) => {
    if (b[i] !== null) m.restore!(b[i]);
  });
  for (let t = 3; t <= 4; t++) {
    const want = run.map((m) => rowText(m.measure(ctx(t))));
    const got = resumed.map((m) => rowText(m.measure(ctx(t))));
    assert.deepEqual(got, want, `step ${t}`);
  }
});

test('kernel cache: a context object reused with θ changed in place is not served a stale kernel', () => {
  const rng = Rng.fromSeed(102);
  const model = mlp({ sizes: [2, 8, 1], activation: 'tanh' });
  const theta0 = model.init(rng);
  const X = rng.normalTensor([5, 2]);
  const y = rng.normalTensor([5, 1]);
  const theta = theta0.slice();
  const shared = context({ model, theta, theta0, X, y });
  const [spec] = createMonitors(['spectrum']);
  const first = spec!.measure(shared);
  for (let i = 0; i < theta.length; i++) theta[i] += 0.3 * Math.sin(i);
  const second = spec!.measure(shared); // same object, mutated θ (output stale, but kernel must follow θ)
  const fresh = createMonitors(['spectrum'])[0]!.measure(context({ model, theta: theta.slice(), theta0, X, y }));
  assert.notEqual(second.ntk_lambda_max, first.ntk_lambda_max);
  assert.equal(second.ntk_lambda_max, fresh.ntk_lambda_max);
  assert.equal(second.ntk_lambda_min, fresh.ntk_lambda_min);
});
