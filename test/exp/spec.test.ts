import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Rng } from '../../src/core/rng.js';
import { UserError } from '../../src/core/errors.js';
import { canonicalJson } from '../../src/exp/spec/canonical.js';
import { minimizeSpec } from '../../src/exp/spec/defaults.js';
import { getAt } from '../../src/exp/spec/paths.js';
import { mlpHiddenWidths, type ResolvedSpec } from '../../src/exp/spec/schema.js';
import { sha256Hex } from '../../src/exp/spec/sha256.js';
import { expandSweep, pointId, specKey } from '../../src/exp/spec/sweep.js';
import { parseSpec, parseSpecText, resolveSpec, SpecError } from '../../src/exp/spec/validate.js';

/** The problem lines of a spec that must not validate. */
function problems(spec: unknown): readonly string[] {
  try {
    parseSpec(spec, 'spec.json');
  } catch (e) {
    if (e instanceof SpecError) return e.problems;
    throw e;
  }
  assert.fail(`expected ${JSON.stringify(spec)} to be rejected`);
}

const ARCHS = "'mlp', 'shallow-relu', 'resnet-du', 'du-fc', 'du-two-layer', 'conv-resnet-du'";
const ACTS = "'relu', 'leaky-relu', 'tanh', 'erf', 'sigmoid', 'softplus', 'gelu', 'identity'";

const BAD: [string, unknown, string[]][] = [
  ['negative width', { model: { widths: [64, 128, -3] } }, ['model.widths[2]: expected a positive integer, got -3']],
  ['fractional width', { model: { width: 2.5 } }, ['model.width: expected a positive integer, got 2.5']],
  ['typo in a key', { model: { widht: 64 } }, ["model.widht: unknown key (did you mean 'width'?)"]],
  ['unknown top-level key', { stepz: 10 }, ["stepz: unknown key (did you mean 'steps'?)"]],
  ['key of another optimizer', { optimizer: { name: 'gd', momentum: 0.9 } }, ['optimizer.momentum: unknown key (valid keys: name, lr)']],
  ['unknown arch', { model: { arch: 'mpl' } }, [`model.arch: expected one of ${ARCHS}, got 'mpl' (did you mean 'mlp'?)`]],
  ['unknown activation', { model: { arch: 'resnet-du', activation: 'rleu' } }, [`model.activation: expected one of ${ACTS}, got 'rleu' (did you mean 'relu'?)`]],
  ['zero learning rate', { optimizer: { lr: 0 } }, ['optimizer.lr: expected a positive number, got 0']],
  ['fractional seed', { seed: 1.5 }, ['seed: expected a non-negative integer, got 1.5']],
  ['string for a number', { steps: 'many' }, ["steps: expected a non-negative integer, got 'many'"]],
  ['csv without y', { data: { name: 'csv', x: 'x.csv' } }, ['data.y: missing (expected a path to a CSV file)']],
  ['nTest and testFraction', { data: { nTest: 10, testFraction: 0.2 } }, ['data.testFraction: give either nTest or testFraction, not both']],
  ['testFraction out of range', { data: { testFraction: 1 } }, ['data.testFraction: expected a number strictly between 0 and 1, got 1']],
  ['widths and width', { model: { widths: [64], width: 64 } }, ['model.width: give either widths or width + depth, not both']],
  ['one mnist class', { data: { name: 'mnist', classes: [3] } }, ['data.classes: expected a list of at least 2 distinct digits 0–9, got [3]']],
  ['repeated monitor', { monitors: ['rank', 'rank'] }, ["monitors[1]: 'rank' appears twice"]],
  ['too many duplicates', { data: { name: 'duplicated', n: 4, duplicates: 4 } }, ['data.duplicates: expected at most n − 1 = 3, got 4']],
  ['batch larger than n', { optimizer: { name: 'sgd', batchSize: 100 } }, ['optimizer.batchSize: expected at most data.n = 64, got 100']],
  [
    'cross-entropy on regression data',
    { loss: 'cross-entropy' },
    ["loss: 'cross-entropy' needs class targets ('one-hot' or 'index') but data 'sphere-teacher' is a regression set; use loss 'squared'"],
  ],
  ['pm1 with three classes', { data: { name: 'iris', targets: 'pm1' } }, ["data.targets: 'pm1' targets need exactly 2 classes, got 3"]],
  ['run name with a space', { name: 'my run' }, ["name: expected a name of letters, digits, '.', '_' and '-' (it names the run folder), got 'my run'"]],
  ['spec is not an object', 5, ['(spec): expected an object, got 5']],
  ['sweep path typo', { sweep: { grid: { 'model.widht': [64] } } }, ['sweep.grid["model.widht"]: the spec has no field \'model.widht\' (did you mean \'model.width\'?)']],
  ['sweep path of another arch', { sweep: { grid: { 'model.cRes': [0.1] } } }, ['sweep.grid["model.cRes"]: the spec has no field \'model.cRes\' when model.arch is \'mlp\'']],
  ['invalid sweep value', { sweep: { grid: { 'optimizer.lr': [0.1, -1] } } }, ['sweep.grid["optimizer.lr"][1]: expected a positive number, got -1']],
  ['repeated sweep value', { sweep: { grid: { seed: [0, 1, 0] } } }, ['sweep.grid.seed[2]: 0 appears twice']],
  ['unequal zip lists', { sweep: { zip: { seed: [0, 1], 'optimizer.lr': [0.1] } } }, ["sweep.zip: lists must have the same length; 'seed' has 2, 'optimizer.lr' has 1"]],
  ['path in grid and zip', { sweep: { grid: { seed: [0, 1] }, zip: { seed: [2, 3] } } }, ["sweep.zip.seed: 'seed' is also in sweep.grid; sweep a field in one place"]],
  ['sweeping the sweep', { sweep: { grid: { 'sweep.zip': [{}] } } }, ['sweep.grid["sweep.zip"]: sweep cannot be swept']],
  [
    'sweep width over explicit widths',
    { model: { widths: [32, 32] }, sweep: { grid: { 'model.width': [64] } } },
    ['sweep.grid["model.width"][0]: model.width: give either widths or width + depth, not both'],
  ],
  [
    'a combination that does not resolve',
    { sweep: { grid: { 'model.arch': ['resnet-du', 'mlp'], 'model.cRes': [0.1] } } },
    ["sweep point arch=mlp,cRes=0.1: model.cRes: unknown key (valid keys: arch, widths, width, depth, activation, leakyAlpha, parametrization, sigmaW, sigmaB, bias, outputs)"],
  ],
];

for (const [what, spec, lines] of BAD) {
  test(`rejected spec: ${what}`, () => {
    assert.deepEqual(problems(spec), lines);
  });
}

test('all problems of a spec come in one UserError, one line each, with a header naming the file', () => {
  const spec = { model: { widths: [1, -3], bias: 'yes' }, optimizer: { lr: -1 }, data: { name: 'sphere-techer' } };
  assert.throws(
    () => parseSpec(spec, 'exp.json'),
    (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.equal(
        (e as Error).message,
        [
          'exp.json: 4 problems in the experiment spec',
          "  data.name: expected one of 'sphere-teacher', 'sphere-random', 'spirals', 'parity', 'sinusoid', 'duplicated', 'mnist', 'iris', 'csv', got 'sphere-techer' (did you mean 'sphere-teacher'?)",
          '  model.widths[1]: expected a positive integer, got -3',
          "  model.bias: expected true or false, got 'yes'",
          '  optimizer.lr: expected a positive number, got -1',
        ].join('\n'),
      );
      return true;
    },
  );
});

test('syntax errors name the line and column (JSON and YAML)', () => {
  assert.throws(() => parseSpecText('{\n  "steps": 10,\n  "seed": }\n', 'a.json'), /^UserError: a\.json: invalid JSON at line 3, column 11: expected a value$/);
  assert.throws(() => parseSpecText('{"steps": 10 "seed": 1}', 'a.json'), /a\.json: invalid JSON at line 1, column 14: expected ',' or '}'/);
  assert.throws(() => parseSpecText('{"steps": 10', 'a.json'), /a\.json: invalid JSON at line 1, column 13: expected ',' or '}'/);
  assert.throws(() => parseSpecText('steps: 10\nsteps: 20\n', 'a.yaml'), /a\.yaml: invalid YAML at line 2, column 1: Map keys must be unique/);
});

const DEFAULTS: ResolvedSpec = {
  name: 'experiment',
  description: '',
  seed: 0,
  data: { name: 'sphere-teacher', n: 64, d: 8, nTest: 0, normalization: 'none', seed: 0 },
  model: { arch: 'mlp', width: 256, depth: 1, activation: 'relu', leakyAlpha: 0.01, parametrization: 'standard', sigmaW: 1, sigmaB: 0, bias: true, outputs: 'auto' },
  optimizer: { name: 'gd', lr: 0.01 },
  loss: 'squared',
  steps: 1000,
  monitors: ['spectrum', 'drift', 'movement'],
  monitorEvery: 10,
  linearized: false,
  checkpointEvery: 0,
  sweep: { grid: {}, zip: {} },
};

test('the empty spec resolves to every default', () => {
  assert.deepEqual(parseSpec({}), DEFAULTS);
  assert.deepEqual(mlpHiddenWidths(parseSpec({}).model as Extract<ResolvedSpec['model'], { arch: 'mlp' }>), [256]);
  assert.deepEqual(mlpHiddenWidths(parseSpec({ model: { width: 32, depth: 3 } }).model as Extract<ResolvedSpec['model'], { arch: 'mlp' }>), [32, 32, 32]);
});

test('variant defaults: each arch, optimizer and data set fills its own', () => {
  const s = parseSpec({ model: { arch: 'resnet-du' }, optimizer: { name: 'gauss-newton' }, data: { name: 'mnist', testFraction: 0.25 } });
  assert.deepEqual(s.model, { arch: 'resnet-du', width: 256, depth: 2, activation: 'softplus', cRes: 0.5, outputs: 'auto' });
  assert.deepEqual(s.optimizer, { name: 'gauss-newton', lr: 1, damping: 1e-6 });
  assert.deepEqual(s.data, { name: 'mnist', n: 1000, classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], targets: 'one-hot', testFraction: 0.25, normalization: 'none', seed: 0 });
  const m = parseSpec({ model: { widths: [64, 32] } }).model;
  assert.deepEqual(m, { arch: 'mlp', widths: [64, 32], activation: 'relu', leakyAlpha: 0.01, parametrization: 'standard', sigmaW: 1, sigmaB: 0, bias: true, outputs: 'auto' });
  // Defaults are fresh copies: mutating one resolved spec leaves the next untouched.
  (s.data as { classes: number[] }).classes.push(99);
  assert.equal((parseSpec({ data: { name: 'mnist' } }).data as { classes: number[] }).classes.length, 10);
});

const SPECS: unknown[] = [
  {},
  { model: { widths: [64, 64], parametrization: 'ntk', sigmaW: 1.4142135623730951 }, optimizer: { name: 'momentum', momentum: 0.95 }, loss: 'squared' },
  { data: { name: 'csv', x: 'x.csv', y: 'y.csv', testFraction: 0.1 }, model: { arch: 'du-fc', depth: 3 }, reproduction: { id: 'du2019', checks: [{ kind: 'rate' }] } },
  { data: { name: 'iris', classes: ['versicolor', 'virginica'], targets: 'index' }, loss: 'cross-entropy', model: { outputs: 2 } },
  { data: { name: 'spirals', targets: 'one-hot', nTest: 16 }, model: { arch: 'conv-resnet-du', inputShape: [1, 2] }, optimizer: { name: 'sgd', batchSize: 8 } },
];

test('resolving is idempotent and minimizeSpec inverts it', () => {
  for (const s of SPECS) {
    const r = resolveSpec(s);
    assert.deepEqual(resolveSpec(r), r);
    assert.deepEqual(resolveSpec(minimizeSpec(r)), r);
    assert.equal(canonicalJson(resolveSpec(JSON.parse(JSON.stringify(r)))), canonicalJson(r));
  }
  assert.deepEqual(minimizeSpec(resolveSpec({})), {});
  assert.deepEqual(minimizeSpec(resolveSpec({ model: { width: 64 }, data: { n: 64 } })), { model: { width: 64 } });
});

test('YAML and JSON texts of the same spec resolve alike', () => {
  const json = '{"name": "w", "model": {"arch": "resnet-du", "width": 64}, "sweep": {"grid": {"seed": [0, 1]}}}';
  const yaml = 'name: w\nmodel:\n  arch: resnet-du\n  width: 64\nsweep:\n  grid:\n    seed: [0, 1]\n';
  assert.deepEqual(parseSpec(yaml, 'w.yaml'), parseSpec(json, 'w.json'));
  assert.deepEqual(parseSpec(yaml, 'w'), parseSpec(json, 'w'));
});

test('grid sweep: Cartesian product, first path slowest, readable ids, point applied', () => {
  const spec = parseSpec({ sweep: { grid: { 'model.width': [64, 256], 'optimizer.lr': [0.1, 0.01, 1e-7] } } });
  const jobs = expandSweep(spec);
  assert.deepEqual(
    jobs.map((j) => j.id),
    ['width=64,lr=0.1', 'width=64,lr=0.01', 'width=64,lr=1e-7', 'width=256,lr=0.1', 'width=256,lr=0.01', 'width=256,lr=1e-7'],
  );
  for (const j of jobs) {
    assert.equal(getAt(j.spec, ['model', 'width']), j.point['model.width']);
    assert.equal(getAt(j.spec, ['optimizer', 'lr']), j.point['optimizer.lr']);
    assert.deepEqual(j.spec.sweep, { grid: {}, zip: {} });
    assert.equal(j.key, specKey(j.spec));
    assert.match(j.key, /^[0-9a-f]{16}$/);
    assert.match(j.id, /^[A-Za-z0-9][A-Za-z0-9._=,+-]*$/);
  }
  assert.equal(new Set(jobs.map((j) => j.key)).size, 6);
});

test('zip sweep and grid × zip', () => {
  const zip = expandSweep(parseSpec({ sweep: { zip: { seed: [0, 1, 2], 'data.seed': [10, 11, 12] } } }));
  assert.deepEqual(
    zip.map((j) => j.id),
    ['data.seed=10,seed=0', 'data.seed=11,seed=1', 'data.seed=12,seed=2'],
  );
  assert.deepEqual(
    zip.map((j) => [j.spec.seed, j.spec.data.seed]),
    [
      [0, 10],
      [1, 11],
      [2, 12],
    ],
  );
  const both = expandSweep(parseSpec({ sweep: { grid: { 'model.width': [64, 128], 'model.activation': ['relu', 'tanh'] }, zip: { seed: [0, 1, 2], 'optimizer.lr': [0.1, 0.2, 0.3] } } }));
  assert.equal(both.length, 2 * 2 * 3);
  assert.equal(new Set(both.map((j) => j.id)).size, 12);
  assert.equal(both[0]!.id, 'activation=relu,width=64,lr=0.1,seed=0');
  assert.equal(both[11]!.id, 'activation=tanh,width=128,lr=0.3,seed=2');
  assert.deepEqual(expandSweep(parseSpec({})).map((j) => j.id), ['run']);
});

test('ids and keys do not depend on key order', () => {
  const a = parseSpec({ model: { width: 32, activation: 'tanh' }, sweep: { grid: { 'optimizer.lr': [0.1, 0.2], seed: [0, 1] } } });
  const b = parseSpec({ sweep: { grid: { seed: [0, 1], 'optimizer.lr': [0.1, 0.2] } }, model: { activation: 'tanh', width: 32 } });
  const ids = (jobs: ReturnType<typeof expandSweep>) => new Map(jobs.map((j) => [j.id, j.key]));
  assert.deepEqual(ids(expandSweep(a)), ids(expandSweep(b)));
  assert.equal(pointId({ 'optimizer.lr': 0.1, seed: 0 }), pointId({ seed: 0, 'optimizer.lr': 0.1 }));
  // The same configuration reached through different sweeps has the same key.
  const viaSweep = expandSweep(a).find((j) => j.id === 'lr=0.2,seed=1')!;
  const direct = expandSweep(parseSpec({ seed: 1, optimizer: { lr: 0.2 }, model: { width: 32, activation: 'tanh' } }))[0]!;
  assert.equal(viaSweep.key, direct.key);
  assert.notEqual(viaSweep.key, expandSweep(parseSpec({ seed: 1, optimizer: { lr: 0.2 }, model: { width: 33, activation: 'tanh' } }))[0]!.key);
});

test('id encoding: lists, clashing names, long and unsafe values', () => {
  assert.equal(pointId({ 'model.widths': [64, 64] }), 'widths=64x64');
  assert.equal(pointId({ 'model.bias': false, 'data.name': 'mnist' }), 'name=mnist,bias=false');
  const h = pointId({ description: 'a / b' });
  assert.match(h, /^description=h[0-9a-f]{8}$/);
  assert.equal(h, `description=h${sha256Hex(JSON.stringify('a / b')).slice(0, 8)}`);
  const long = { description: 'x'.repeat(40), 'model.widths': Array.from({ length: 30 }, () => 1024) };
  assert.equal(pointId(long), `h-${sha256Hex(canonicalJson(long)).slice(0, 16)}`);
});

test('a point that switches the variant gets that variant’s defaults', () => {
  const jobs = expandSweep(parseSpec({ model: { width: 100, depth: 2 }, sweep: { grid: { 'model.arch': ['mlp', 'resnet-du', 'du-two-layer'] } } }));
  assert.deepEqual(
    jobs.map((j) => j.spec.model),
    [
      { arch: 'mlp', width: 100, depth: 2, activation: 'relu', leakyAlpha: 0.01, parametrization: 'standard', sigmaW: 1, sigmaB: 0, bias: true, outputs: 'auto' },
      { arch: 'resnet-du', width: 100, depth: 2, activation: 'softplus', cRes: 0.5, outputs: 'auto' },
      { arch: 'du-two-layer', width: 100, activation: 'relu', trainReadout: false },
    ],
  );
  const opt = expandSweep(parseSpec({ optimizer: { name: 'momentum', momentum: 0.95, lr: 0.5 }, sweep: { grid: { 'optimizer.name': ['momentum', 'gd'] } } }));
  assert.deepEqual(
    opt.map((j) => j.spec.optimizer),
    [
      { name: 'momentum', lr: 0.5, momentum: 0.95 },
      { name: 'gd', lr: 0.5 },
    ],
  );
  const widths = expandSweep(parseSpec({ sweep: { grid: { 'model.widths': [[16], [16, 16]] } } }));
  assert.deepEqual(
    widths.map((j) => [j.id, mlpHiddenWidths(j.spec.model as Extract<ResolvedSpec['model'], { arch: 'mlp' }>)]),
    [
      ['widths=16', [16]],
      ['widths=16x16', [16, 16]],
    ],
  );
});

test('sweeps over randomly ordered grids always give the same id → key map', () => {
  const grid: Record<string, unknown[]> = { seed: [0, 1], 'optimizer.lr': [0.5, 0.25], 'model.width': [8, 16], 'data.n': [10, 20] };
  const ref = new Map(expandSweep(parseSpec({ sweep: { grid } })).map((j) => [j.id, j.key]));
  const rng = Rng.fromSeed(4);
  for (let t = 0; t < 5; t++) {
    const keys = Object.keys(grid);
    const order = Array.from(rng.permutation(keys.length), (i) => keys[i]!);
    const shuffled = Object.fromEntries(order.map((k) => [k, grid[k]]));
    assert.deepEqual(new Map(expandSweep(parseSpec({ sweep: { grid: shuffled } })).map((j) => [j.id, j.key])), ref);
  }
});

test('canonical JSON sorts keys at every level and rejects non-JSON numbers', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } }), '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  assert.equal(canonicalJson({ a: undefined, b: [1e21, 0.1, -0, 1e-7] }), '{"b":[1e+21,0.1,0,1e-7]}');
  assert.throws(() => canonicalJson({ a: [1, NaN] }), /a\[1\]: NaN is not representable in JSON/);
  assert.throws(() => canonicalJson({ a: new Map() }), /only plain objects/);
});

test('sha256Hex matches FIPS 180-4 vectors and node:crypto across block boundaries', () => {
  assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  const rng = Rng.fromSeed(11);
  const chars = Array.from('aZ9 é∑😀"\\\n');
  for (const len of [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000]) {
    const s = Array.from({ length: len }, () => chars[rng.int(chars.length)]).join('');
    assert.equal(sha256Hex(s), createHash('sha256').update(s, 'utf8').digest('hex'), `length ${len}`);
  }
});

test('the README section "Experiment specs": its example is valid and its error sample is what parseSpec says', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Experiment specs'));
  const example = /```json\n([\s\S]*?)```/.exec(section)![1]!;
  const jobs = expandSweep(parseSpec(example, 'example.json'));
  assert.equal(jobs.length, 9);
  assert.equal(jobs[0]!.id, 'data.seed=10,width=64,seed=0');
  assert.ok(section.includes('`data.seed=10,width=64,seed=0`'));
  const sample = /\*\*Errors\.\*\*[\s\S]*?```\n([\s\S]*?)\n```/.exec(section)![1]!;
  assert.throws(() => parseSpec({ model: { widths: [64, 64, -3], widht: 64 }, optimizer: { lr: 0 } }, 'exp.json'), (e: unknown) => (e as Error).message === sample);
});
