import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config/load-config';
import { closeRedis, createRedis } from '../shared/redis/redis-connection';

/**
 * Reference ML consumer: `npm run events:tail [-- --group g --consumer c --count N]`.
 * Reads the stream with a consumer group, takes over entries a dead consumer
 * left pending (XAUTOCLAIM), skips events it has seen (by event_id, remembered
 * in Redis for a day), prints each new event as one JSON line, and XACKs.
 */
const DEDUP_TTL_SECONDS = 24 * 3600;
const CLAIM_IDLE_MS = 60_000;

type Entry = [id: string, fields: string[]];

async function main(): Promise<void> {
  const config = loadConfig(process.env, () => undefined);
  const { values } = parseArgs({
    options: {
      stream: { type: 'string', default: config.ML_EVENTS_STREAM },
      group: { type: 'string', default: 'events-tail' },
      consumer: { type: 'string', default: `${hostname()}-${process.pid}` },
      from: { type: 'string', default: '0', description: 'where a new group starts: 0 (all) or $ (new only)' },
      count: { type: 'string', description: 'exit after this many new events' },
    },
  });
  const { stream, group, consumer } = values as { stream: string; group: string; consumer: string };
  const limit = values.count ? Number(values.count) : Number.POSITIVE_INFINITY;
  const redis = createRedis(config.redis, 'blocking', 'checkout-events-tail');
  let running = true;
  let printed = 0;
  const stop = () => {
    running = false;
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  await redis.xgroup('CREATE', stream, group, values.from!, 'MKSTREAM').catch((error: Error) => {
    if (!error.message.includes('BUSYGROUP')) throw error;
  });

  const handle = async (entries: Entry[]) => {
    for (const [id, fields] of entries) {
      const raw = fields[fields.indexOf('event') + 1];
      const event = raw ? (JSON.parse(raw) as { event_id: string }) : undefined;
      const seenKey = event && `${stream}:seen:${group}:${event.event_id}`;
      if (event && seenKey && !(await redis.exists(seenKey))) {
        // handle first, remember after: a crash in between shows the event again (at least once), never loses it
        process.stdout.write(`${JSON.stringify({ stream_id: id, ...event })}\n`);
        await redis.set(seenKey, '1', 'EX', DEDUP_TTL_SECONDS);
        printed += 1;
      } else {
        process.stderr.write(`skipped ${id}: ${event ? `duplicate of event ${event.event_id}` : 'no event field'}\n`);
      }
      await redis.xack(stream, group, id);
      if (printed >= limit) running = false;
    }
  };

  // entries this consumer read but did not acknowledge before a restart, then those of dead consumers
  const [, own] = ((await redis.xreadgroup('GROUP', group, consumer, 'STREAMS', stream, '0')) as [string, Entry[]][])[0] ?? [];
  await handle(own ?? []);
  for (let cursor = '0-0'; running; ) {
    const [next, claimed] = (await redis.xautoclaim(stream, group, consumer, CLAIM_IDLE_MS, cursor, 'COUNT', 100)) as [
      string,
      Entry[],
    ];
    await handle(claimed.filter(([, fields]) => fields !== null));
    if (next === '0-0') break;
    cursor = next;
  }

  while (running) {
    const reply = (await redis.xreadgroup('GROUP', group, consumer, 'COUNT', 100, 'BLOCK', 1000, 'STREAMS', stream, '>')) as
      | [string, Entry[]][]
      | null;
    if (reply) await handle(reply[0]![1]);
  }
  await closeRedis(redis);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
