import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { JobStore } from '../../exp/run/job.js';
import { writeFileAtomic } from '../files.js';
import { LEASE_LOST } from './lease.js';
import type { RedisConnection } from './redis-url.js';

/**
 * A job's files in Redis (issue 8), for queue workers that share no file system with the submitter.
 * Each file is one Redis string `<base>:f:<name>` (base = `overparam:store:<run hash>:<job id>`), and
 * the set `<base>:files` lists the names. The JobStore operations map one to one onto Redis:
 * writeAtomic → SET (a reader sees the old or the new bytes, never a mix), append → APPEND, truncate
 * → GETRANGE + SET in one Lua script (atomic on the server), size → STRLEN, read → GET.
 *
 * Fencing: with `fence` = the BullMQ job's lock key and this worker's lock token, every write runs
 * only while Redis still holds that token (checked inside the same script). A worker that lost its
 * job (lock expired during a network partition, the job moved to another worker) can therefore not
 * overwrite the new owner's files: its write fails with `lease lost`.
 *
 * Sizes: Redis strings hold up to 512 MB; metrics and checkpoints of the models this lab trains are
 * far below that, and the submitter moves the files out of Redis (`moveJobFiles`) as each job ends.
 */

const WRITE = `
if #KEYS == 3 and redis.call('GET', KEYS[3]) ~= ARGV[4] then
  return redis.error_reply('${LEASE_LOST}: the job is now held by another worker')
end
local op = ARGV[1]
if op == 'set' then
  redis.call('SET', KEYS[1], ARGV[3])
elseif op == 'append' then
  redis.call('APPEND', KEYS[1], ARGV[3])
elseif op == 'truncate' then
  local n = tonumber(ARGV[3])
  if redis.call('STRLEN', KEYS[1]) > n then
    if n == 0 then redis.call('SET', KEYS[1], '') else redis.call('SET', KEYS[1], redis.call('GETRANGE', KEYS[1], 0, n - 1)) end
  end
  return 1
end
redis.call('SADD', KEYS[2], ARGV[2])
return 1
`;

export interface Fence {
  /** BullMQ's lock key of the job: `bull:overparam:<queue job id>:lock`. */
  lockKey: string;
  token: string;
}

type WithWrite = Redis & { overparamWrite(...args: (string | Buffer | number)[]): Promise<number> };

/** An ioredis client for the store (commands wait through reconnects instead of failing). */
export function redisClient(connection: RedisConnection): Redis {
  const c = new Redis({ ...connection, maxRetriesPerRequest: null, lazyConnect: false });
  c.defineCommand('overparamWrite', { lua: WRITE });
  return c;
}

const NAME = /^[A-Za-z0-9._-]+$/;
const fileKey = (base: string, name: string): string => {
  if (!NAME.test(name)) throw new Error(`redis store: bad file name '${name}'`);
  return `${base}:f:${name}`;
};

/** Base key of one job's files. */
export function jobBase(prefix: string, jobId: string): string {
  return `${prefix}:${jobId}`;
}

export function redisJobStore(client: Redis, base: string, fence?: Fence): JobStore {
  const c = client as WithWrite;
  const write = async (op: string, name: string, data: string | Uint8Array | number): Promise<void> => {
    const keys = [fileKey(base, name), `${base}:files`, ...(fence ? [fence.lockKey] : [])];
    const arg = typeof data === 'number' ? String(data) : typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    await c.overparamWrite(keys.length, ...keys, op, name, arg, fence?.token ?? '');
  };
  return {
    async read(name) {
      const b = await client.getBuffer(fileKey(base, name));
      return b ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : null;
    },
    writeAtomic: (name, data) => write('set', name, data),
    append: (name, text) => write('append', name, text),
    truncate: (name, bytes) => write('truncate', name, bytes),
    async size(name) {
      return client.strlen(fileKey(base, name));
    },
  };
}

/** Names of a job's files in the store. */
export async function jobFileNames(client: Redis, base: string): Promise<string[]> {
  return (await client.smembers(`${base}:files`)).filter((n) => NAME.test(n)).sort();
}

/**
 * Copy a job's files from Redis into `dir` (each written atomically, result.json last, since its
 * presence marks the job finished), then delete them from Redis. Returns the names copied.
 */
export async function moveJobFiles(client: Redis, base: string, dir: string): Promise<string[]> {
  const names = await jobFileNames(client, base);
  if (!names.length) return [];
  mkdirSync(dir, { recursive: true });
  const ordered = [...names.filter((n) => n !== 'result.json'), ...names.filter((n) => n === 'result.json')];
  for (const name of ordered) {
    const b = await client.getBuffer(fileKey(base, name));
    if (b) writeFileAtomic(path.join(dir, name), new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  }
  await client.del(...names.map((n) => fileKey(base, n)), `${base}:files`);
  return ordered;
}
