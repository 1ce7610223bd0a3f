import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { descriptions } from '../../src/exp/run/run-experiment.js';
import { expandSweep } from '../../src/exp/spec/sweep.js';
import { parseSpec } from '../../src/exp/spec/validate.js';
import { QUEUE_NAME, queueExecutor, queueJobId } from '../../src/node/executors/queue.js';
import { Lease, leasedStore } from '../../src/node/executors/lease.js';
import { moveJobFiles, redisClient, redisJobStore } from '../../src/node/executors/redis-store.js';
import { parseRedisUrl } from '../../src/node/executors/redis-url.js';
import { fileJobStore } from '../../src/node/job-store.js';
import { statusCommand } from '../../src/cli/status.js';
import { testRedis, type TestRedis } from './redis-server.js';

// The distributed executor end to end (issue 8), with real processes on a real Redis: `overparam
// worker` ×2 and the submitter `overparam run --executor redis://…`, compared with the local executor
// (same backend, 1 BLAS thread per job): summary.json and every job's metrics.jsonl / final.safetensors
// must be byte-identical — after a worker is SIGKILLed mid-job and another one is SIGTERMed mid-job
// too. Queue-level checks read BullMQ's event stream: each job is added once and completed once.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(ROOT, 'bin', 'overparam.js');
const dir = mkdtempSync(path.join(tmpdir(), 'overparam-queue-'));
const LOCK = ['--lock-ms', '2000'];

const r = await testRedis();
const skip: string | false = 'skip' in r ? r.skip : false;
if (skip) console.log(skip);
const redis = 'skip' in r ? null : (r as TestRedis);
const children = new Set<ChildProcess>();
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Proc {
  child: ChildProcess;
  out(): string;
  done: Promise<{ status: number | null; out: string }>;
}

function cli(args: string[]): Proc {
  const env = { ...process.env };
  delete env.OVERPARAM_BACKEND;
  delete env.OVERPARAM_THREADS;
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ status: number | null; out: string }>((resolve) => child.on('close', (status) => resolve({ status, out })));
  return { child, out: () => out, done };
}

async function until<T>(what: string, f: () => T | Promise<T>, ms = 60_000, every = 50): Promise<NonNullable<T>> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v) return v as NonNullable<T>;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((res) => setTimeout(res, every));
  }
}

async function worker(url: string, ...extra: string[]): Promise<Proc> {
  const w = cli(['worker', '--redis', url, ...LOCK, ...extra]);
  await until('the worker to serve', () => w.out().includes('serving') || w.child.exitCode !== null, 30_000);
  assert.equal(w.child.exitCode, null, w.out());
  return w;
}

async function stop(w: Proc): Promise<string> {
  w.child.kill('SIGTERM');
  const { status, out } = await w.done;
  assert.equal(status, 0, out);
  return out;
}

function spec(name: string, extra: Record<string, unknown> = {}): string {
  const s = {
    name,
    seed: 0,
    data: { name: 'sphere-teacher', n: 16, d: 4, seed: 1 },
    model: { arch: 'mlp', width: 32, depth: 1, parametrization: 'ntk', sigmaW: 1.4142135623730951 },
    optimizer: { name: 'gd', lr: 0.5 },
    steps: 200,
    monitors: ['spectrum', 'drift'],
    monitorEvery: 10,
    checkpointEvery: 20,
    sweep: { grid: { 'model.width': [32, 64], seed: [0, 1, 2] } },
    ...extra,
  };
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(s));
  return file;
}

const local = (file: string, out: string, backend: string) => cli(['--backend', backend, '--threads', '1', 'run', file, '--out', out, '--jobs', '2', '--quiet', '--no-report']);
const submit = (file: string, out: string, url: string, backend: string, ...extra: string[]) =>
  cli(['--backend', backend, 'run', file, '--executor', url, '--out', out, '--quiet', '--no-report', ...extra]);

const JOB_FILES = ['metrics.jsonl', 'final.safetensors', 'last-good.safetensors'];

/** summary.json and every job's deterministic files are byte-identical in the two run folders. */
function assertSameRun(a: string, b: string): void {
  assert.equal(readFileSync(path.join(dir, b, 'summary.json'), 'utf8'), readFileSync(path.join(dir, a, 'summary.json'), 'utf8'), 'summary.json');
  const ids = readdirSync(path.join(dir, a, 'jobs')).sort();
  assert.deepEqual(readdirSync(path.join(dir, b, 'jobs')).sort(), ids);
  for (const id of ids) {
    for (const f of JOB_FILES) {
      const fa = path.join(dir, a, 'jobs', id, f);
      if (!existsSync(fa)) continue;
      assert.ok(readFileSync(path.join(dir, b, 'jobs', id, f)).equals(readFileSync(fa)), `${id}/${f} differs`);
    }
    // result.json too, but for the step a retried job resumed from.
    const res = (d: string) => {
      const { resumedFrom: _, ...rest } = JSON.parse(readFileSync(path.join(dir, d, 'jobs', id, 'result.json'), 'utf8')) as Record<string, unknown>;
      return rest;
    };
    assert.deepEqual(res(b), res(a), `${id}/result.json`);
    // One timing row per metrics row: no row was written twice.
    const rows = (f: string) => readFileSync(path.join(dir, b, 'jobs', id, f), 'utf8').trim().split('\n').length;
    assert.equal(rows('timing.jsonl'), rows('metrics.jsonl'), `${id}: timing rows`);
  }
}

/** Per queue job id, how often each event appears in BullMQ's event stream. */
async function eventCounts(url: string): Promise<Map<string, Record<string, number>>> {
  const c = new Redis(url);
  try {
    const entries = (await c.xrange(`bull:${QUEUE_NAME}:events`, '-', '+')) as [string, string[]][];
    const m = new Map<string, Record<string, number>>();
    for (const [, kv] of entries) {
      const o: Record<string, string> = {};
      for (let i = 0; i < kv.length; i += 2) o[kv[i]!] = kv[i + 1]!;
      if (!o.jobId) continue;
      const rec = m.get(o.jobId) ?? {};
      rec[o.event!] = (rec[o.event!] ?? 0) + 1;
      m.set(o.jobId, rec);
    }
    return m;
  } finally {
    c.disconnect();
  }
}

/** Every job of the run was added once and completed once in the queue. */
async function assertOnce(url: string, file: string, out: string): Promise<string[]> {
  const jobs = descriptions(expandSweep(parseSpec(JSON.parse(readFileSync(file, 'utf8')))));
  const ev = await eventCounts(url);
  const ids = jobs.map((j) => queueJobId(path.join(dir, out), j));
  for (const id of ids) {
    assert.equal(ev.get(id)?.added, 1, `${id} added once: ${JSON.stringify(ev.get(id))}`);
    assert.equal(ev.get(id)?.completed, 1, `${id} completed once: ${JSON.stringify(ev.get(id))}`);
    assert.equal(ev.get(id)?.failed, undefined, `${id} never failed`);
  }
  return ids;
}

const doneLines = (log: string, id: string) => log.split('\n').filter((l) => l.startsWith(`overparam worker: done ${id}`));

const A = spec('sweep-a');
const B = spec('sweep-b', { steps: 2000, checkpointEvery: 100, monitors: ['spectrum'], sweep: { grid: { seed: [0, 1, 2, 3] } }, model: { arch: 'mlp', width: 48, depth: 1, parametrization: 'ntk', sigmaW: 1.4142135623730951 } });
const E = spec('sweep-e', { sweep: { grid: { 'optimizer.lr': [0.5, 1e6] } } });

before(async () => {
  if (skip) return;
  // The local executor's runs everything is compared with.
  const refs = [local(A, 'local-a', 'wasm'), local(A, 'local-a-auto', 'auto'), local(B, 'local-b', 'wasm'), local(E, 'local-e', 'wasm')];
  const st = await Promise.all(refs.map((p) => p.done));
  st.forEach((s, i) => assert.equal(s.status, i === 3 ? 4 : 0, s.out));
});

test('2 workers + submitter (shared run folder) = the local executor, byte for byte; re-submitting adds nothing', { skip }, async (t) => {
  const url = await redis!.fresh(1);
  const [w1, w2] = await Promise.all([worker(url), worker(url)]);
  const s = await submit(A, 'queue-a', url, 'wasm').done;
  assert.equal(s.status, 0, s.out);
  assertSameRun('local-a', 'queue-a');
  const logs = [await stop(w1), await stop(w2)];
  const ids = await assertOnce(url, A, 'queue-a');
  assert.equal(ids.length, 6);
  for (const j of readdirSync(path.join(dir, 'queue-a', 'jobs'))) assert.equal(logs.flatMap((l) => doneLines(l, j)).length, 1, `${j} done by exactly one worker`);
  assert.ok(logs.every((l) => /overparam worker: done /.test(l)), 'both workers took jobs');

  // The same spec again, with no worker running: every job is found finished, nothing is enqueued.
  const q = new Queue(QUEUE_NAME, { connection: parseRedisUrl(url) });
  t.after(() => q.close());
  const before = await q.getJobCounts();
  const summary = readFileSync(path.join(dir, 'queue-a', 'summary.json'), 'utf8');
  const again = await submit(A, 'queue-a', url, 'wasm', '--resume').done;
  assert.equal(again.status, 0, again.out);
  assert.deepEqual(await q.getJobCounts(), before);
  assert.equal(readFileSync(path.join(dir, 'queue-a', 'summary.json'), 'utf8'), summary);
  await assertOnce(url, A, 'queue-a');
});

test('two submitters of the same jobs at once enqueue each job once', { skip }, async (t) => {
  const url = await redis!.fresh(6);
  const jobs = descriptions(expandSweep(parseSpec(JSON.parse(readFileSync(A, 'utf8')))));
  const runDir = path.join(dir, 'twice');
  const [e1, e2] = [queueExecutor({ redis: url, runDir, pollMs: 200 }), queueExecutor({ redis: url, runDir, pollMs: 200 })];
  const runs = [e1.run(jobs), e2.run(jobs)];
  const q = new Queue(QUEUE_NAME, { connection: parseRedisUrl(url) });
  t.after(() => Promise.all([e1.close(), e2.close(), q.close()]));
  await until('6 waiting jobs', async () => (await q.getJobCounts()).waiting === 6);
  await new Promise((res) => setTimeout(res, 300));
  e1.stop();
  e2.stop();
  for (const res of await Promise.all(runs)) assert.deepEqual(res.map((x) => x.status), Array(6).fill('stopped'));
  const counts = await q.getJobCounts();
  assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), 6, JSON.stringify(counts));
  for (const [, ev] of await eventCounts(url)) assert.equal(ev.added, 1);
});

test('Redis store (no shared folder), native/auto backend, --concurrency 2: same bytes as the local run; Redis left empty', { skip }, async () => {
  const url = await redis!.fresh(2);
  const w = await worker(url, '--concurrency', '2');
  const s = await submit(A, 'queue-a-redis', url, 'auto', '--store', 'redis').done;
  assert.equal(s.status, 0, s.out);
  assertSameRun('local-a-auto', 'queue-a-redis');
  await stop(w);
  await assertOnce(url, A, 'queue-a-redis');
  const c = new Redis(url);
  try {
    assert.deepEqual(await c.keys('overparam:store:*'), []);
  } finally {
    c.disconnect();
  }
});

test('SIGKILL of a worker mid-job, SIGTERM of the other mid-job: resumed from checkpoints, nothing lost or duplicated, same bytes', { skip }, async () => {
  const url = await redis!.fresh(3);
  const [w1, w2] = await Promise.all([worker(url), worker(url)]);
  const sub = submit(B, 'queue-b', url, 'wasm');
  const jobsDir = path.join(dir, 'queue-b', 'jobs');
  // A job of `w` that has a checkpoint (step ≥ 100) but no result yet.
  const midJob = (w: Proc) => {
    const started = [...w.out().matchAll(/overparam worker: start (\S+)/g)].map((m) => m[1]!);
    return started.find((id) => {
      const cp = path.join(jobsDir, id, 'checkpoint.json');
      if (!existsSync(cp) || existsSync(path.join(jobsDir, id, 'result.json'))) return false;
      try {
        const step = (JSON.parse(readFileSync(cp, 'utf8')) as { state: { step: number } }).state.step;
        return step >= 100 && step <= 1500;
      } catch {
        return false;
      }
    });
  };
  const killed = await until('a job of worker 1 with a checkpoint', () => midJob(w1), 60_000, 20);
  w1.child.kill('SIGKILL');
  await w1.done;
  const termed = await until('a job of worker 2 with a checkpoint', () => midJob(w2), 60_000, 20);
  const log2 = await stop(w2);
  const stoppedAt = Number(new RegExp(`stopped ${termed.replace(/[.+=,]/g, '\\$&')} at step (\\d+): back to the queue`).exec(log2)?.[1]);
  assert.ok(stoppedAt >= 100, log2);
  const w3 = await worker(url);
  const s = await sub.done;
  assert.equal(s.status, 0, s.out);
  const log3 = await stop(w3);
  const logs = [w1.out(), log2, log3];
  for (const j of readdirSync(jobsDir)) assert.equal(logs.flatMap((l) => doneLines(l, j)).length, 1, `${j} done once`);
  // (Worker 2 may have taken the killed job over before its SIGTERM; either way it resumed.)
  const [doneKilled] = logs.flatMap((l) => doneLines(l, killed));
  assert.match(doneKilled!, / \(resumed from step [1-9]\d*\)$/, 'the killed job resumed from its checkpoint');
  assert.equal(doneLines(log3, termed)[0], `overparam worker: done ${termed} (resumed from step ${stoppedAt})`, 'the stopped job resumed where it stopped');
  assertSameRun('local-b', 'queue-b');
  await assertOnce(url, B, 'queue-b');
});

test('a malformed payload fails once with a clear error, whatever its attempts', { skip }, async (t) => {
  const url = await redis!.fresh(4);
  const q = new Queue(QUEUE_NAME, { connection: parseRedisUrl(url) });
  t.after(() => q.close());
  const bad = [
    await q.add('bad-dir', { runDir: 'relative/dir', job: { id: 'x', point: {}, spec: {} } }, { attempts: 3 }),
    await q.add('bad-spec', { runDir: path.join(dir, 'nowhere'), job: { id: 'y', point: {}, spec: { model: { width: -3 } } } }, { attempts: 3 }),
    await q.add('not-an-object', 'hello' as unknown as object, { attempts: 3 }),
  ];
  const w = await worker(url);
  await until('3 failed jobs', async () => (await q.getJobCounts()).failed === 3, 30_000);
  await new Promise((res) => setTimeout(res, 500));
  const reasons: string[] = [];
  for (const b of bad) {
    const j = (await q.getJob(b.id!))!;
    assert.equal(await j.getState(), 'failed');
    assert.equal(j.attemptsMade, 1, `${b.name}: not retried`);
    reasons.push(j.failedReason);
  }
  assert.match(reasons[0]!, /^queue job: runDir must be an absolute path, got "relative\/dir"$/);
  assert.match(reasons[1]!, /^queue job y: job\.spec: 1 problem in the experiment spec; model\.width: /);
  assert.match(reasons[2]!, /^queue job: payload must be an object \{runDir, job\}$/);
  assert.match(w.out(), /rejected .*: queue job: runDir must be an absolute path/);

  // A well-formed job whose run folder this worker cannot see: handed back, and the worker exits 2.
  const [job] = descriptions(expandSweep(parseSpec(JSON.parse(readFileSync(A, 'utf8')))));
  const away = await q.add(job!.id, { runDir: path.join(dir, 'not-mounted'), job: job! }, { attempts: 1 });
  const { status, out } = await w.done;
  assert.equal(status, 2, out);
  assert.match(out, /overparam: run folder .*not-mounted \(job .*\) is not reachable from this machine: mount the shared directory at the same path, or submit with --store redis\n/);
  assert.equal(await (await q.getJob(away.id!))!.getState(), 'waiting');
});

test('a diverging job fails once (exit 4, error in summary.json, same summary as local); status counts waiting/done/failed', { skip }, async () => {
  const url = await redis!.fresh(5);
  const sub = submit(E, 'queue-e', url, 'wasm');
  // Polled in this process (the same code as `overparam status --json`), checked once as a real CLI below.
  const statusJson = async () => {
    let out = '';
    await statusCommand(path.join(dir, 'queue-e'), { redis: url, json: true }, (t) => (out += t));
    return JSON.parse(out) as { counts: Record<string, number>; jobs: { queueId: string }[] };
  };
  await until('the submission', () => existsSync(path.join(dir, 'queue-e', 'spec.lock.json')), 30_000);
  const waiting = await until('2 waiting jobs', async () => {
    const st = await statusJson();
    return st.counts.waiting === 2 ? st : null;
  }, 30_000, 100);
  assert.deepEqual(waiting.counts, { waiting: 2, active: 0, done: 0, failed: 0, 'not submitted': 0 });
  const jobs = descriptions(expandSweep(parseSpec(JSON.parse(readFileSync(E, 'utf8')))));
  assert.deepEqual(waiting.jobs.map((j) => j.queueId), jobs.map((j) => queueJobId(path.join(dir, 'queue-e'), j)));
  const w = await worker(url);
  const s = await sub.done;
  assert.equal(s.status, 4, s.out);
  assertSameRun('local-e', 'queue-e');
  const summary = JSON.parse(readFileSync(path.join(dir, 'queue-e', 'summary.json'), 'utf8')) as { counts: Record<string, number>; jobs: { id: string; status: string; error?: string }[] };
  assert.deepEqual(summary.counts, { done: 1, failed: 1, stopped: 0 });
  assert.match(summary.jobs.find((j) => j.status === 'failed')!.error!, /diverge/i);
  await assertOnce(url, E, 'queue-e');
  const p = await cli(['status', '--redis', url, path.join(dir, 'queue-e')]).done;
  assert.equal(p.status, 0, p.out);
  const text = p.out;
  assert.match(text, /: 2 job\(s\): 0 waiting, 0 active, 1 done, 1 failed, 0 not submitted\n/);
  const failedId = summary.jobs.find((j) => j.status === 'failed')!.id;
  assert.ok(text.includes(`\n  failed ${failedId}: `), text);
  const none = await cli(['status', '--redis', url, path.join(dir, 'no-such-run')]).done;
  assert.equal(none.status, 2);
  assert.match(none.out, /^overparam: .*no-such-run: not a run folder \(no spec\.lock\.json\)/);

  // --resume runs the failed job again (as a local --resume does) and reuses the done one.
  const again = await submit(E, 'queue-e', url, 'wasm', '--resume').done;
  assert.equal(again.status, 4, again.out);
  await stop(w);
  assertSameRun('local-e', 'queue-e');
  const ev = await eventCounts(url);
  const failedQ = queueJobId(path.join(dir, 'queue-e'), jobs.find((j) => j.id === failedId)!);
  const doneQ = queueJobId(path.join(dir, 'queue-e'), jobs.find((j) => j.id !== failedId)!);
  assert.deepEqual([ev.get(failedQ)?.added, ev.get(failedQ)?.completed, ev.get(doneQ)?.added, ev.get(doneQ)?.completed], [2, 2, 1, 1]);
});

test('Redis store: the JobStore semantics of the file store (append, truncate, atomic write, size); fenced and leased writes stop once the lock is lost', { skip }, async (t) => {
  const url = await redis!.fresh(7);
  const client = redisClient(parseRedisUrl(url));
  t.after(() => client.disconnect());
  const fileDir = path.join(dir, 'store-parity');
  const stores = [fileJobStore(fileDir), redisJobStore(client, 'overparam:store:test:job')];
  const enc = (s: string) => new TextEncoder().encode(s);
  for (const st of stores) {
    assert.equal(await st.read('m.jsonl'), null);
    assert.equal(await st.size('m.jsonl'), 0);
    await st.truncate('m.jsonl', 0); // missing: no-op
    await st.append('m.jsonl', 'row1\n');
    await st.append('m.jsonl', 'rów2\n'); // multi-byte: sizes are bytes
    assert.equal(await st.size('m.jsonl'), 11);
    await st.truncate('m.jsonl', 20); // longer: no-op
    await st.truncate('m.jsonl', 5);
    assert.deepEqual(await st.read('m.jsonl'), enc('row1\n'));
    await st.truncate('m.jsonl', 0);
    assert.deepEqual(await st.read('m.jsonl'), new Uint8Array(0));
    const bin = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) % 256);
    await st.writeAtomic('w.bin', bin);
    await st.writeAtomic('w.bin', bin.subarray(0, 200));
    assert.deepEqual(await st.read('w.bin'), bin.subarray(0, 200));
  }
  // Moving the files out of Redis gives the same bytes as the file store, and empties Redis.
  const moved = await moveJobFiles(client, 'overparam:store:test:job', path.join(dir, 'store-moved'));
  assert.deepEqual(moved.sort(), ['m.jsonl', 'w.bin']);
  for (const n of moved) assert.ok(readFileSync(path.join(dir, 'store-moved', n)).equals(readFileSync(path.join(fileDir, n))), n);
  assert.deepEqual(await client.keys('overparam:store:*'), []);

  // Fence: writes succeed while the lock holds our token, fail (and change nothing) once it does not.
  await client.set('bull:overparam:j:lock', 'tok-a');
  const fenced = redisJobStore(client, 'overparam:store:test:f', { lockKey: 'bull:overparam:j:lock', token: 'tok-a' });
  await fenced.append('m.jsonl', 'a\n');
  await client.set('bull:overparam:j:lock', 'tok-b');
  await assert.rejects(fenced.append('m.jsonl', 'b\n'), /lease lost/);
  await assert.rejects(fenced.writeAtomic('r.json', '{}'), /lease lost/);
  await assert.rejects(fenced.truncate('m.jsonl', 0), /lease lost/);
  assert.deepEqual(await fenced.read('m.jsonl'), enc('a\n'));
  assert.equal(await fenced.read('r.json'), null);
  // Lease: a local deadline, checked before every write.
  const lease = new Lease();
  lease.extendTo(Date.now() + 60_000);
  const leased = leasedStore(fileJobStore(path.join(dir, 'leased')), lease);
  await leased.append('m.jsonl', 'a\n');
  lease.revoke();
  await assert.rejects(leased.append('m.jsonl', 'b\n'), /lease lost/);
  assert.equal(await leased.size('m.jsonl'), 2);
});
