import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/core/errors.js';
import { applyScale, scaleNames } from '../../src/exp/spec/scale.js';
import { expandSweep } from '../../src/exp/spec/sweep.js';
import { parseSpec, SpecError } from '../../src/exp/spec/validate.js';

const base = () =>
  parseSpec({
    name: 'x',
    data: { name: 'sphere-teacher', n: 32, d: 4 },
    model: { arch: 'mlp', width: 256, depth: 2 },
    steps: 500,
    sweep: { grid: { 'model.width': [64, 256, 1024], seed: [0, 1, 2] } },
    scales: {
      tiny: { name: 'x-tiny', steps: 10, 'data.n': 4, 'sweep.grid.model.width': [8, 16], 'sweep.grid.seed': null },
      arch: { 'model.arch': 'resnet-du', 'model.depth': 3 },
      broken: { 'data.n': -1 },
      bad: { 'scales.tiny': {} },
    },
  });

test('scale default is the spec itself; names list default first', () => {
  const s = base();
  assert.equal(applyScale(s, 'default'), s);
  assert.deepEqual(scaleNames(s), ['default', 'tiny', 'arch', 'broken', 'bad']);
});

test('a scale sets fields and swept lists, null removes a swept path', () => {
  const t = applyScale(base(), 'tiny');
  assert.equal(t.name, 'x-tiny');
  assert.equal(t.steps, 10);
  assert.equal(t.data.n, 4);
  assert.deepEqual(t.sweep.grid, { 'model.width': [8, 16] });
  assert.equal(t.model.arch === 'mlp' && t.model.depth, 2, 'untouched fields stay');
  assert.equal(expandSweep(t).length, 2);
  assert.ok(t.scales?.tiny, 'the scales block stays in the resolved spec');
});

test('a scale switching the architecture gets that variant’s defaults', () => {
  const t = applyScale(base(), 'arch');
  assert.equal(t.model.arch, 'resnet-du');
  assert.equal(t.model.arch === 'resnet-du' && t.model.depth, 3);
  assert.equal(t.model.arch === 'resnet-du' && t.model.activation, 'softplus');
});

test('unknown scale, invalid result and forbidden paths are one-line user errors', () => {
  assert.throws(() => applyScale(base(), 'huge'), (e: unknown) => e instanceof UserError && /no scale 'huge'; it defines: default, tiny, arch, broken, bad/.test(e.message));
  assert.throws(() => applyScale(base(), 'broken'), (e: unknown) => e instanceof SpecError && /--scale broken/.test(e.message) && /data\.n/.test(e.message));
  assert.throws(() => applyScale(base(), 'bad'), (e: unknown) => e instanceof UserError && /scales\.bad\["scales\.tiny"\]: 'scales' cannot be set/.test(e.message));
  const d = parseSpec({ scales: { default: { steps: 1 } } });
  assert.throws(() => applyScale(d, 'default'), /cannot be redefined/);
});
