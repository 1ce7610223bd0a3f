import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { loadModel } from '../../src/nn/io/model-file.js';
import { duConvResNet } from '../../src/nn/models/conv-resnet.js';
import { empiricalNtk } from '../../src/nn/ntk/empirical.js';

import { setupBackend } from '../nn/setup.js';

setupBackend();
const BIN = path.resolve('bin/overparam.js');

test('init --arch conv-resnet-du → ntk: the file rebuilds the Du et al. conv ResNet and the CLI kernel equals empiricalNtk', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'overparam-conv-'));
  try {
    const w = path.join(dir, 'w.safetensors');
    const r = spawnSync(process.execPath, [BIN, 'init', '--arch', 'conv-resnet-du', '--input-shape', '2,4,4', '--width', '3', '--depth', '3', '--patch', '3', '--seed', '5', '--out', w], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const { model, theta } = loadModel(new Uint8Array(readFileSync(w)));
    const ref = duConvResNet({ inputChannels: 2, height: 4, imageWidth: 4, width: 3, depth: 3, patch: 3 });
    assert.deepEqual(theta, ref.init(Rng.fromSeed(5)));
    const X = Rng.fromSeed(9).normalTensor([6, 32]);
    const rows = Array.from({ length: 6 }, (_, i) => Array.from(X.row(i).data).map((v) => v.toPrecision(17)).join(','));
    writeFileSync(path.join(dir, 'x.csv'), rows.join('\n') + '\n');
    const k = spawnSync(process.execPath, [BIN, 'ntk', '--weights', w, '--x', path.join(dir, 'x.csv'), '--out', path.join(dir, 'k.csv')], { encoding: 'utf8' });
    assert.equal(k.status, 0, k.stderr);
    const got = readFileSync(path.join(dir, 'k.csv'), 'utf8').trim().split('\n').filter((l) => /^[-\d]/.test(l)).flatMap((l) => l.split(',').map(Number));
    const want = empiricalNtk(model, theta, new Tensor(Float64Array.from(X.data), [6, 32])).kernel.data;
    assert.equal(got.length, 36);
    const scale = Math.max(...Array.from(want, Math.abs));
    for (let i = 0; i < 36; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-12 * scale, `entry ${i}: ${got[i]} vs ${want[i]}`);
    const bad = spawnSync(process.execPath, [BIN, 'init', '--arch', 'conv-resnet-du', '--width', '3', '--depth', '2', '--out', path.join(dir, 'x.safetensors')], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr.trim(), /^overparam: --input-shape: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
