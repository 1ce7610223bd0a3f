import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileRunStore } from '../../src/node/run-store.js';

// fileRunStore (src/node/run-store.ts): nothing is created until the first write; isEmpty is true for
// a missing or empty folder and one holding only temp files of an interrupted atomic write, false for
// a folder with other files or a path that is a file; job(id) lives in jobs/<id>.
const root = mkdtempSync(path.join(tmpdir(), 'overparam-run-store-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

test('fileRunStore: lazy folder, readText, writeAtomic, isEmpty, job folders', async () => {
  const dir = path.join(root, 'runs', 'x');
  const s = fileRunStore(dir);
  assert.equal(s.location, dir);
  assert.equal(await s.readText('spec.lock.json'), null);
  assert.equal(await s.isEmpty!(), true);
  assert.equal(existsSync(dir), false, 'no folder before the first write');
  mkdirSync(dir, { recursive: true });
  assert.equal(await s.isEmpty!(), true);
  writeFileSync(path.join(dir, 'spec.lock.json.123.tmp'), 'partial');
  assert.equal(await s.isEmpty!(), true, 'temp files of an interrupted write do not count');
  await s.writeAtomic('spec.lock.json', '{"format":"overparam.run-lock"}\n');
  assert.equal(await s.readText('spec.lock.json'), '{"format":"overparam.run-lock"}\n');
  assert.equal(await s.isEmpty!(), false);
  await s.job('seed=1').writeAtomic('result.json', '{}');
  assert.equal(readFileSync(path.join(dir, 'jobs', 'seed=1', 'result.json'), 'utf8'), '{}');
  const file = path.join(root, 'a-file');
  writeFileSync(file, 'x');
  assert.equal(await fileRunStore(file).isEmpty!(), false, 'a file is not an empty run folder');
});
