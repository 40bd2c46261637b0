import type { Database } from '../db/database';
import type { RedisClient } from '../redis/redis-connection';
import { readSince } from './outbox-repository';
import { appendToStream } from './stream-publisher';

const BATCH = 1_000;

/**
 * Publishes the retained outbox rows from `since` on to `stream` again, in their original order and with their
 * original event ids (to fill a new ML sink); returns how many.
 */
export async function replayEvents(db: Database, redis: RedisClient, { since, stream, maxLen }: { since: Date; stream: string; maxLen: number }): Promise<number> {
  let replayed = 0;
  for (let afterId = '0'; ; ) {
    const rows = await readSince(db, since, afterId, BATCH);
    if (rows.length === 0) return replayed;
    await appendToStream(redis, stream, maxLen, rows);
    replayed += rows.length;
    afterId = rows[rows.length - 1]!.id;
  }
}
