import type { Redis } from 'ioredis';
import { toEnvelope, type OutboxRow } from './outbox-repository';

/** Appends events to the stream in one pipeline: fields `type` and `event` (the JSON envelope). */
export async function appendToStream(redis: Redis, stream: string, maxLen: number, rows: OutboxRow[]): Promise<void> {
  const pipeline = redis.pipeline();
  for (const row of rows) {
    pipeline.xadd(stream, 'MAXLEN', '~', maxLen, '*', 'type', row.type, 'event', JSON.stringify(toEnvelope(row)));
  }
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0];
}
