import { UserError } from '../../core/errors.js';

/** `redis://[user:password@]HOST:PORT[/db]` → ioredis/BullMQ connection options. */
export interface RedisConnection {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  maxRetriesPerRequest: null;
}

export function parseRedisUrl(raw: string, flag = '--redis'): RedisConnection {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UserError(`${flag}: expected redis://HOST:PORT[/db], got '${raw}'`);
  }
  if (u.protocol !== 'redis:') throw new UserError(`${flag}: expected a redis:// URL, got '${raw}'`);
  const port = u.port ? Number(u.port) : 6379;
  const dbPart = u.pathname.replace(/^\//, '');
  const db = dbPart === '' ? 0 : Number(dbPart);
  if (!Number.isInteger(db) || db < 0) throw new UserError(`${flag}: the database after '/' must be a non-negative integer, got '${dbPart}'`);
  if (!u.hostname) throw new UserError(`${flag}: no host in '${raw}'`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    db,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    // BullMQ workers need blocking commands that never give up.
    maxRetriesPerRequest: null,
  };
}

/**
 * Fail fast with a one-line UserError when Redis is not reachable (BullMQ's own connections retry
 * forever, which is what a running worker wants but not what a mistyped URL deserves).
 */
export async function assertRedisReachable(conn: RedisConnection, flag: string, timeoutMs = 5000): Promise<void> {
  const { Redis } = await import('ioredis');
  const c = new Redis({ ...conn, maxRetriesPerRequest: 0, enableOfflineQueue: true, connectTimeout: timeoutMs, retryStrategy: () => null, lazyConnect: true });
  let cause = '';
  c.on('error', (e: Error) => (cause ||= e.message));
  try {
    await c.connect();
    await c.ping();
  } catch (e) {
    const why = (cause || (e as Error).message).split('\n')[0];
    throw new UserError(`${flag}: cannot reach Redis at ${conn.host}:${conn.port} (${why}); start redis-server or fix the URL`);
  } finally {
    c.disconnect();
  }
}
