import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config/load-config';
import { closeRedis, createRedis } from '../shared/redis/redis-connection';
import { createDatabase } from '../shared/db/database';
import { replayEvents } from '../shared/events/replay-events';

/**
 * `npm run events:replay -- --since 2026-01-01T00:00:00Z [--stream ml:backfill]`:
 * republishes the retained outbox rows from that time on, in their original
 * order and with their original event_id, to fill a new ML sink. Without
 * `--stream` it writes to a new stream `<ML_EVENTS_STREAM>:replay:<time>`;
 * the live stream only with `--stream <live> --force` (its consumers then see
 * every replayed event again and must de-duplicate).
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env, () => undefined);
  const { values } = parseArgs({
    options: { since: { type: 'string' }, stream: { type: 'string' }, force: { type: 'boolean', default: false } },
  });
  const since = new Date(values.since ?? '');
  if (Number.isNaN(since.getTime())) throw new Error('usage: npm run events:replay -- --since <ISO time> [--stream name [--force]]');
  const stream = values.stream ?? `${config.ML_EVENTS_STREAM}:replay:${new Date().toISOString()}`;
  if (stream === config.ML_EVENTS_STREAM && !values.force) {
    throw new Error(`--stream ${stream} is the live stream: its consumers would see every event again; add --force if that is what you want`);
  }

  const db = createDatabase({ url: config.DATABASE_URL, poolMax: 1, applicationName: 'checkout-replay', preparedStatements: config.DB_PREPARED_STATEMENTS });
  const redis = createRedis(config.redis, 'blocking', 'checkout-events-replay');
  try {
    const replayed = await replayEvents(db, redis, { since, stream, maxLen: config.ML_EVENTS_MAXLEN });
    console.log(`replayed ${replayed} events since ${since.toISOString()} to ${stream}`);
  } finally {
    await db.close();
    await closeRedis(redis);
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
