import type { Redis } from 'ioredis';
import type { Pool } from 'pg';

/** Deletes every Redis key under a queue prefix — what a Redis restart without persistence does to it. */
export async function deleteQueueKeys(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Polls the database until no order is pending; fails after `timeoutMs`. */
export async function untilNoPendingOrders(pool: Pool, timeoutMs = 30_000, pollMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ pending: number }>(
      `SELECT count(*)::int AS pending FROM orders WHERE status = 'pending'`,
    );
    const pending = rows[0]?.pending ?? 0;
    if (pending === 0) return;
    if (Date.now() > deadline) throw new Error(`${pending} orders still pending after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
