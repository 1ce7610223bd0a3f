import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BACKEND, cli, ROOT, summaryOf, tempDir, writeSpec } from './harness.js';

// The run folder of `overparam run` (spawned CLI, OVERPARAM_BACKEND, default reference):
// spec.lock.json (resolved spec, package version, backend, BLAS threads, dtype, job ids/keys/points/
// seeds), summary.json (each job's final figures = its last metrics row), jobs/<id>/{metrics.jsonl,
// timing.jsonl, checkpoint.json, final.safetensors, result.json}, a self-contained report.html (no
// external resource) and non-empty figures/*.svg and *.png; `overparam report DIR` re-renders
// report.html and the figures byte for byte. And steps: 0 — a run that only measures θ₀.
const dir = tempDir('run-folder');
const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const SPEC = {
  name: 'layout',
  data: { name: 'sphere-teacher', n: 10, d: 3 },
  model: { arch: 'mlp', width: 16, parametrization: 'ntk' },
  optimizer: { name: 'gd', lr: 0.5 },
  steps: 20,
  monitorEvery: 5,
  checkpointEvery: 10,
  monitors: ['spectrum', 'drift', 'movement', 'bound'],
  sweep: { grid: { 'model.width': [16, 64], seed: [0, 1] } },
};
const out = path.join(dir, 'run');
const bytesOf = (f: string) => readFileSync(path.join(out, f));

test('run folder: spec.lock.json, summary.json, job files, self-contained report.html, figures', async () => {
  const r = await cli(['run', writeSpec(dir, 'layout', SPEC), '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const lock = JSON.parse(bytesOf('spec.lock.json').toString());
  assert.deepEqual(Object.keys(lock), ['format', 'version', 'package', 'backend', 'threads', 'dtype', 'spec', 'jobs']);
  assert.deepEqual(lock.package, { name: PKG.name, version: PKG.version });
  assert.equal(lock.backend, BACKEND === 'auto' ? lock.backend : BACKEND);
  assert.ok(Number.isInteger(lock.threads) && lock.threads >= 1);
  assert.equal(lock.dtype, 'f64');
  assert.equal(lock.spec.loss, 'squared', 'resolved: defaults filled');
  assert.equal(lock.spec.model.activation, 'relu');
  assert.equal(lock.spec.data.seed, 0);
  assert.deepEqual(lock.jobs.map((j: { id: string }) => j.id), ['width=16,seed=0', 'width=16,seed=1', 'width=64,seed=0', 'width=64,seed=1']);
  for (const j of lock.jobs) {
    assert.match(j.key, /^[0-9a-f]{16}$/);
    assert.deepEqual(Object.keys(j.point), ['model.width', 'seed']);
    assert.equal(j.seed, j.point.seed);
    assert.equal(j.dataSeed, 0);
  }
  const s = summaryOf(out);
  assert.deepEqual(s.counts, { done: 4, failed: 0, stopped: 0 });
  for (const j of s.jobs) {
    assert.deepEqual(readdirSync(path.join(out, 'jobs', j.id)).sort(), ['checkpoint.json', 'final.safetensors', 'metrics.jsonl', 'result.json', 'timing.jsonl']);
    const rows = bytesOf(`jobs/${j.id}/metrics.jsonl`).toString().trim().split('\n');
    assert.equal(rows.length, 5, 'rows 0, 5, 10, 15, 20');
    assert.deepEqual(j.final, JSON.parse(rows[4]!));
    assert.equal(j.final.step, 20);
    for (const f of ['ntk_lambda_min', 'ntk_drift', 'weight_movement', 'du_bound']) assert.equal(typeof j.final[f], 'number', `${j.id}: final.${f}`);
    assert.equal(JSON.parse(bytesOf(`jobs/${j.id}/result.json`).toString()).status, 'done');
  }
  const html = bytesOf('report.html').toString();
  assert.match(html, /^<!DOCTYPE html>/i);
  assert.doesNotMatch(html, /<script[^>]*\bsrc=|<link[^>]*\bhref=|<img[^>]*\bsrc="(?!data:)|url\((?!#|data:)/i, 'self-contained: no external resource');
  const urls = new Set(html.match(/https?:\/\/[^"' )<]+/g) ?? []);
  assert.deepEqual([...urls].filter((u) => !u.startsWith('http://www.w3.org/')), [], 'only XML namespace URIs');
  const figs = readdirSync(path.join(out, 'figures')).sort();
  assert.deepEqual(figs, ['drift.png', 'drift.svg', 'loss.png', 'loss.svg', 'movement.png', 'movement.svg', 'spectrum.png', 'spectrum.svg']);
  for (const f of figs) {
    const b = bytesOf(`figures/${f}`);
    assert.ok(b.length > 1000, `${f} non-empty`);
    if (f.endsWith('.png')) assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${f} is a PNG`);
    else assert.match(b.toString(), /^<svg[\s>]/);
    if (f.endsWith('.svg')) assert.ok(html.includes(b.toString().slice(0, 200).replace(/^<svg/, '').slice(0, 50)), `${f} inlined in report.html`);
  }
});

test('overparam report DIR re-renders report.html and the figures byte for byte', async () => {
  const before = new Map(['report.html', ...readdirSync(path.join(out, 'figures')).map((f) => `figures/${f}`)].map((f) => [f, bytesOf(f)]));
  const mtime = statSync(path.join(out, 'report.html')).mtimeMs;
  const r = await cli(['report', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(statSync(path.join(out, 'report.html')).mtimeMs >= mtime);
  for (const [f, b] of before) assert.ok(bytesOf(f).equals(b), `${f} re-rendered identically`);
});

test('steps: 0 measures θ₀ only (e.g. rank statistics): one row per job, report rendered', async () => {
  const zero = path.join(dir, 'zero');
  const spec = writeSpec(dir, 'zero', { ...SPEC, name: 'zero', steps: 0, monitors: ['rank', 'spectrum', 'movement'] });
  const r = await cli(['run', spec, '--out', zero, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const s = summaryOf(zero);
  assert.deepEqual(s.counts, { done: 4, failed: 0, stopped: 0 });
  for (const j of s.jobs) {
    assert.equal(j.steps, 0);
    const rows = readFileSync(path.join(zero, 'jobs', j.id, 'metrics.jsonl'), 'utf8').trim().split('\n');
    assert.equal(rows.length, 1);
    assert.equal(j.final.step, 0);
    assert.equal(typeof j.final.disparity_rank, 'number');
    assert.equal(j.final.weight_movement, 0);
  }
  assert.ok(readdirSync(path.join(zero, 'figures')).includes('rank.svg'), 'rank vs width figure');
});

test('CSV data: paths relative to the spec file are read by the worker threads', async () => {
  const data = path.join(dir, 'data');
  const x = Array.from({ length: 6 }, (_, i) => `${Math.cos(i)},${Math.sin(i)}`).join('\n');
  const y = Array.from({ length: 6 }, (_, i) => `${Math.cos(2 * i)}`).join('\n');
  mkdirSync(data, { recursive: true });
  writeFileSync(path.join(data, 'x.csv'), x + '\n');
  writeFileSync(path.join(data, 'y.csv'), y + '\n');
  const spec = writeSpec(data, 'csv', { name: 'csv', data: { name: 'csv', x: 'x.csv', y: 'y.csv' }, model: { arch: 'mlp', width: 8, parametrization: 'ntk' }, steps: 5, monitorEvery: 5, monitors: [], sweep: { grid: { seed: [0, 1] } } });
  const csvOut = path.join(dir, 'csv-run');
  const r = await cli(['run', spec, '--out', csvOut, '--quiet', '--no-report']);
  assert.equal(r.code, 0, r.stderr);
  const s = summaryOf(csvOut);
  assert.deepEqual(s.counts, { done: 2, failed: 0, stopped: 0 }, JSON.stringify(s.jobs.map((j) => j.error)));
  const lock = JSON.parse(readFileSync(path.join(csvOut, 'spec.lock.json'), 'utf8'));
  assert.equal(lock.spec.data.x, path.join(data, 'x.csv'), 'absolute path in the lock');
});
