import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileJobStore } from '../../src/node/job-store.js';

// fileJobStore (src/node/job-store.ts): the JobStore contract of exp/run/job.ts on disk — missing
// files read as null / size 0, atomic writes leave no temp file, appends accumulate (UTF-8 byte
// sizes), truncate cuts to the byte and is a no-op on missing or shorter files.
const root = mkdtempSync(path.join(tmpdir(), 'overparam-job-store-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

test('fileJobStore: read, writeAtomic, append, size, truncate', async () => {
  const dir = path.join(root, 'jobs', 'a=1');
  const s = fileJobStore(dir);
  assert.ok(existsSync(dir), 'the job folder is created');
  assert.equal(await s.read('metrics.jsonl'), null);
  assert.equal(await s.size('metrics.jsonl'), 0);
  await s.truncate('metrics.jsonl', 0);
  assert.equal(existsSync(path.join(dir, 'metrics.jsonl')), false, 'truncating a missing file creates nothing');
  await s.writeAtomic('checkpoint.json', '{"a":1}');
  await s.writeAtomic('checkpoint.json', new Uint8Array([123, 125]));
  assert.equal(readFileSync(path.join(dir, 'checkpoint.json'), 'utf8'), '{}');
  assert.deepEqual(readdirSync(dir), ['checkpoint.json'], 'no temp files left');
  await s.append('metrics.jsonl', '{"step":0,"λ":1}\n');
  await s.append('metrics.jsonl', '{"step":1}\n');
  const size = Buffer.byteLength('{"step":0,"λ":1}\n{"step":1}\n');
  assert.equal(await s.size('metrics.jsonl'), size);
  await s.truncate('metrics.jsonl', size + 10);
  assert.equal(await s.size('metrics.jsonl'), size, 'a longer length is a no-op');
  await s.truncate('metrics.jsonl', Buffer.byteLength('{"step":0,"λ":1}\n'));
  assert.equal(new TextDecoder().decode((await s.read('metrics.jsonl'))!), '{"step":0,"λ":1}\n');
  writeFileSync(path.join(dir, 'x.bin'), Buffer.from([1, 2, 3]));
  assert.deepEqual(await s.read('x.bin'), new Uint8Array([1, 2, 3]));
});
