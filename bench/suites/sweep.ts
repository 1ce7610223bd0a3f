/**
 * `npm run bench -- sweep`: the distributed executor (issue 8) on this machine — a Redis server, real
 * `overparam worker` processes and the submitter `overparam run --executor redis://…`.
 *
 *  1. Throughput: 32 small jobs (MLP width 128, n = 32, d = 8, 1000 GD steps, spectrum monitor every 10,
 *     checkpoint every 100; one BLAS thread per job) served by 1 worker, then by 2 workers (separate
 *     processes, concurrency 1 each). Throughput = jobs / (last finishedOn − first processedOn), from
 *     BullMQ's own job timestamps, so process start-up is not counted. Expect ≈ 2× on 2 free cores; to
 *     judge the figure, the suite also times a CPU-bound loop in 1 and in 2 concurrent processes (the
 *     parallelism the machine actually offered during the run).
 *  2. Per-job queue overhead: 32 trivial jobs (steps: 0, no monitors: data, init, the job's files) through
 *     the queue with 1 worker vs the same jobs run by runJob in this process. Reported: the mean time per
 *     job in the worker (finishedOn − processedOn: thread dispatch, lock, progress, files), the mean gap
 *     between one job's end and the next one's start in the worker (BullMQ's fetch), their sum minus the
 *     in-process time = the queue's overhead per job.
 *
 * Redis: OVERPARAM_BENCH_REDIS (redis://HOST:PORT/db, emptied first!) or a redis-server spawned here on
 * a free loopback port. Nothing is asserted. Figures are polluted by whatever else runs on the machine.
 * `--quick`: 8 jobs, 100 steps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { backend } from '../../src/core/backend/registry.js';
import { runJob } from '../../src/exp/run/run-job.js';
import { expandSweep } from '../../src/exp/spec/sweep.js';
import { parseSpec } from '../../src/exp/spec/validate.js';
import { QUEUE_NAME } from '../../src/node/executors/queue.js';
import { parseRedisUrl } from '../../src/node/executors/redis-url.js';
import { fileJobStore } from '../../src/node/job-store.js';
import { table } from '../harness.js';
import type { SuiteOptions } from './gemm-eigh.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/overparam.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(): Promise<{ url: string; stop(): void }> {
  const env = process.env.OVERPARAM_BENCH_REDIS;
  if (env) return { url: env, stop() {} };
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}/0`;
  for (let i = 0; i < 100; i++) {
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => {});
    const ok = await c.connect().then(() => c.ping()).then(() => true, () => false);
    c.disconnect();
    if (ok) return { url, stop: () => child.kill('SIGTERM') };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('bench sweep: redis-server did not start (is it installed?)');
}

function cli(args: string[]): { child: ChildProcess; out: () => string; done: Promise<number | null> } {
  const env = { ...process.env };
  delete env.OVERPARAM_BACKEND;
  delete env.OVERPARAM_THREADS;
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, out: () => out, done: new Promise((r) => child.on('close', r)) };
}

/** Wall ms of a fixed CPU-bound loop in `k` concurrent node processes (the machine's free parallelism). */
async function spin(k: number): Promise<number> {
  const code = 'let x = 0; for (let i = 0; i < 2e8; i++) x += i % 7; if (x < 0) console.log(x);';
  const t0 = performance.now();
  await Promise.all(Array.from({ length: k }, () => new Promise((r) => spawn(process.execPath, ['-e', code], { stdio: 'ignore' }).on('close', r))));
  return performance.now() - t0;
}

interface QueueRun {
  jobs: number;
  /** jobs per second between the first start and the last end (BullMQ timestamps). */
  throughput: number;
  /** mean ms per job inside the worker (finishedOn − processedOn). */
  inWorkerMs: number;
  /** mean ms between a job's end and the next start on the same worker (1 worker only). */
  gapMs: number;
}

async function queueRun(url: string, specFile: string, out: string, workers: number, be: string): Promise<QueueRun> {
  const c = new Redis(url);
  await c.flushdb();
  c.disconnect();
  const ws = Array.from({ length: workers }, () => cli(['worker', '--redis', url, '--quiet']));
  for (const w of ws) {
    while (!w.out().includes('serving')) {
      if (w.child.exitCode !== null) throw new Error(`bench sweep: worker failed: ${w.out()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const sub = cli(['--backend', be, 'run', specFile, '--executor', url, '--out', out, '--quiet', '--no-report']);
  const code = await sub.done;
  for (const w of ws) w.child.kill('SIGTERM');
  await Promise.all(ws.map((w) => w.done));
  if (code !== 0) throw new Error(`bench sweep: submitter exited ${code}: ${sub.out().slice(-500)}`);
  const q = new Queue(QUEUE_NAME, { connection: parseRedisUrl(url) });
  const jobs = await q.getJobs(['completed']);
  await q.close();
  const start = Math.min(...jobs.map((j) => j.processedOn!));
  const end = Math.max(...jobs.map((j) => j.finishedOn!));
  const sorted = [...jobs].sort((a, b) => a.processedOn! - b.processedOn!);
  const gaps = sorted.slice(1).map((j, i) => j.processedOn! - sorted[i]!.finishedOn!);
  return {
    jobs: jobs.length,
    throughput: jobs.length / ((end - start) / 1000),
    inWorkerMs: jobs.reduce((s, j) => s + (j.finishedOn! - j.processedOn!), 0) / jobs.length,
    gapMs: workers === 1 && gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : NaN,
  };
}

export async function sweepSuite(o: SuiteOptions): Promise<{ record: unknown; text: string }> {
  const n = o.quick ? 8 : 32;
  const steps = o.quick ? 100 : 1000;
  const be = backend().info().name;
  const dir = mkdtempSync(path.join(tmpdir(), 'overparam-bench-sweep-'));
  const redis = await startRedis();
  try {
    const base = {
      seed: 0,
      data: { name: 'sphere-teacher', n: 32, d: 8, seed: 1 },
      model: { arch: 'mlp', width: 128, depth: 1, parametrization: 'ntk', sigmaW: 1.4142135623730951 },
      optimizer: { name: 'gd', lr: 0.5 },
      monitorEvery: 10,
      sweep: { grid: { seed: Array.from({ length: n }, (_, i) => i) } },
    };
    const small = path.join(dir, 'small.json');
    writeFileSync(small, JSON.stringify({ ...base, name: 'small', steps, monitors: ['spectrum'], checkpointEvery: 100 }));
    const trivialSpec = { ...base, name: 'trivial', steps: 0, monitors: [] };
    const trivial = path.join(dir, 'trivial.json');
    writeFileSync(trivial, JSON.stringify(trivialSpec));

    const par = async () => (2 * (await spin(1))) / (await spin(2));
    const parBefore = await par();
    const one = await queueRun(redis.url, small, path.join(dir, 'one'), 1, be);
    const two = await queueRun(redis.url, small, path.join(dir, 'two'), 2, be);
    const parAfter = await par();
    const tq = await queueRun(redis.url, trivial, path.join(dir, 'trivial-q'), 1, be);
    // The same trivial jobs in this process (best of 2 passes, after a warm-up job).
    const jobs = expandSweep(parseSpec(trivialSpec));
    let inlineMs = Infinity;
    for (let pass = 0; pass < 3; pass++) {
      const t0 = performance.now();
      for (const j of jobs) await runJob({ id: j.id, point: j.point, spec: j.spec }, { store: fileJobStore(path.join(dir, `inline-${pass}`, j.id)) });
      if (pass > 0) inlineMs = Math.min(inlineMs, (performance.now() - t0) / jobs.length);
    }
    const overhead = tq.inWorkerMs + tq.gapMs - inlineMs;
    const text = [
      `sweep (issue 8): ${n} jobs, backend ${be}, 1 BLAS thread per job, Redis ${redis.url}`,
      table(
        ['run', 'jobs', 'jobs/s', 'ms/job in worker', 'gap ms'],
        [
          [`${steps}-step jobs, 1 worker`, one.jobs, one.throughput, one.inWorkerMs, one.gapMs],
          [`${steps}-step jobs, 2 workers`, two.jobs, two.throughput, two.inWorkerMs, undefined],
          ['0-step jobs, 1 worker', tq.jobs, tq.throughput, tq.inWorkerMs, tq.gapMs],
        ],
      ),
      `throughput 2 workers / 1 worker: ${(two.throughput / one.throughput).toFixed(2)}× (expect ≈ 2× on 2 idle cores; 2 busy processes did ${parBefore.toFixed(2)}× / ${parAfter.toFixed(2)}× the work of 1 before / after)`,
      `0-step job: ${inlineMs.toFixed(1)} ms in process vs ${(tq.inWorkerMs + tq.gapMs).toFixed(1)} ms through the queue → queue overhead ≈ ${overhead.toFixed(1)} ms per job`,
      'note: other processes on this machine share the cores; the figures are only as clean as the machine was.',
    ].join('\n');
    return { record: { backend: be, jobs: n, steps, one, two, ratio: two.throughput / one.throughput, machineParallelism: [parBefore, parAfter], trivial: tq, inlineMs, overheadMs: overhead }, text };
  } finally {
    redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
