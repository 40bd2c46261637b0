import type { RedisClient } from '../redis/redis-connection';
import { keyBeside } from '../redis/redis-topology';
import { toEnvelope, type OutboxRow } from './outbox-repository';

/**
 * The relay's marker beside a stream: `<epoch>:<batch>`, the last batch
 * written there. It shares the stream's hash slot (so one script can write
 * both on a Cluster, and a failover of that slot's master moves them together).
 */
export function markerKey(stream: string): string {
  return keyBeside(stream, 'relay-marker');
}

export interface StreamMarker {
  epoch: string;
  batch: number;
}

export function formatMarker({ epoch, batch }: StreamMarker): string {
  return `${epoch}:${batch}`;
}

export function parseMarker(value: string | null): StreamMarker | null {
  const match = value === null ? null : /^([0-9a-f-]{36}):(\d+)$/.exec(value);
  return match ? { epoch: match[1]!, batch: Number(match[2]) } : null;
}

/** Reads the marker beside the stream (null: none, or not one of ours). */
export async function readMarker(redis: RedisClient, stream: string): Promise<StreamMarker | null> {
  return parseMarker(await redis.get(markerKey(stream)));
}

export async function writeMarker(redis: RedisClient, stream: string, marker: StreamMarker): Promise<void> {
  await redis.set(markerKey(stream), formatMarker(marker));
}

/**
 * Appends a batch and moves the marker in one script, only if the marker is
 * still the one the relay last wrote: a Redis that lost data since (or
 * another relay that wrote since) refuses, and the relay finds out what
 * happened before writing more. Scripts replicate as a unit, so any replica
 * holds a marker together with exactly the entries written up to it.
 */
const APPEND_BATCH = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
for i = 4, #ARGV, 3 do
  if ARGV[i + 2] == '' then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'type', ARGV[i], 'event', ARGV[i + 1])
  else
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'type', ARGV[i], 'event', ARGV[i + 1], 'traceparent', ARGV[i + 2])
  end
end
redis.call('SET', KEYS[2], ARGV[2])
return 1`;

type AppendBatch = (stream: string, marker: string, expected: string, next: string, maxLen: number, ...fields: string[]) => Promise<number>;

/**
 * Appends `rows` (fields `type` and `event`, the JSON envelope, and
 * `traceparent` when the event's change was traced) and moves the marker
 * from `expected` to `next`; false when the marker was not `expected`
 * (nothing written).
 */
export async function appendBatch(
  redis: RedisClient,
  { stream, maxLen, expected, next }: { stream: string; maxLen: number; expected: StreamMarker; next: StreamMarker },
  rows: OutboxRow[],
): Promise<boolean> {
  const client = redis as RedisClient & { appendEventBatch?: AppendBatch };
  if (!client.appendEventBatch) redis.defineCommand('appendEventBatch', { numberOfKeys: 2, lua: APPEND_BATCH });
  const fields = rows.flatMap((row) => [row.type, JSON.stringify(toEnvelope(row)), row.traceparent ?? '']);
  const written = await client.appendEventBatch!(
    stream,
    markerKey(stream),
    formatMarker(expected),
    formatMarker(next),
    maxLen,
    ...fields,
  );
  return written === 1;
}

/** Appends events in one pipeline, with no marker (a replay into a stream of its own). */
export async function appendToStream(redis: RedisClient, stream: string, maxLen: number, rows: OutboxRow[]): Promise<void> {
  const pipeline = redis.pipeline();
  for (const row of rows) {
    const traced = row.traceparent ? ['traceparent', row.traceparent] : [];
    pipeline.xadd(stream, 'MAXLEN', '~', maxLen, '*', 'type', row.type, 'event', JSON.stringify(toEnvelope(row)), ...traced);
  }
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0];
}
