import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';

/**
 * A real Redis server for the queue tests (issue 8). OVERPARAM_TEST_REDIS (redis://HOST:PORT, set
 * by .ci/run, which starts Debian's redis-server on 127.0.0.1:6390) is used when present; otherwise a
 * `redis-server --port <free port> --bind 127.0.0.1 --save '' --appendonly no` is spawned here and
 * stopped by stop(). Without either, `skip` says why and the tests skip with that message.
 * Tests isolate themselves by database number: `fresh(db)` empties that database and returns its URL.
 */
export interface TestRedis {
  readonly base: string;
  fresh(db: number): Promise<string>;
  stop(): Promise<void>;
}

function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function ping(url: string, tries: number): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
    c.on('error', () => {});
    try {
      await c.connect();
      if ((await c.ping()) === 'PONG') return true;
    } catch {
      // not up yet
    } finally {
      c.disconnect();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function make(base: string, child: ChildProcess | null): TestRedis {
  return {
    base,
    async fresh(db) {
      const url = `${base}/${db}`;
      const c = new Redis(url, { maxRetriesPerRequest: 1 });
      try {
        await c.flushdb();
      } finally {
        c.disconnect();
      }
      return url;
    },
    async stop() {
      if (!child || child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

/** The test Redis, or `{ skip }` with the reason there is none. */
export async function testRedis(): Promise<TestRedis | { skip: string }> {
  const env = process.env.OVERPARAM_TEST_REDIS?.trim();
  if (env) {
    const base = env.replace(/\/\d*$/, '');
    if (!(await ping(base, 20))) return { skip: `OVERPARAM_TEST_REDIS=${env} does not answer PING` };
    return make(base, null);
  }
  const bin = findBinary('redis-server');
  if (!bin) return { skip: 'no redis-server binary (apt-get install redis-server, or set OVERPARAM_TEST_REDIS=redis://HOST:PORT): queue tests skipped' };
  const port = await freePort();
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  child.unref();
  process.on('exit', () => child.kill('SIGKILL'));
  const base = `redis://127.0.0.1:${port}`;
  if (!(await ping(base, 100))) {
    child.kill('SIGKILL');
    return { skip: `${bin} did not start on port ${port}` };
  }
  return make(base, child);
}
