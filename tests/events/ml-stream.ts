import { createRedis, type RedisClient } from '../../shared/redis/redis-connection';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { Client } from 'pg';
import pino from 'pino';
import { EVENT_SCHEMAS, EVENT_TYPES, type EventType, type MlEvent } from '../../shared/events/event-catalogue';
import type { Config } from '../../shared/config/config-schema';
import { markerKey } from '../../shared/events/stream-publisher';
import { OutboxRelay, type RelaySettings } from '../../shared/events/outbox-relay';
import type { FileTestApp } from '../support/test-app';

/** One entry of the ML stream: its position, its `type` field and its parsed `event` field. */
export interface StreamEntry {
  id: string;
  type: string;
  event: MlEvent;
}

/** Relay settings for a test app, with `overrides` (a per-test stream, a small batch, …). */
export function relaySettings(config: Config, overrides: Partial<RelaySettings> = {}): RelaySettings {
  return {
    sessionUrl: config.DATABASE_DIRECT_URL,
    stream: config.ML_EVENTS_STREAM,
    maxLen: 100_000,
    batchSize: 50,
    pollMs: 100,
    retentionHours: 168,
    ...overrides,
  };
}

export const silentLog = pino({ level: 'silent' });

/** Every entry of `stream`, oldest first (XRANGE order is stream position order). */
export async function readStream(redis: RedisClient, stream: string): Promise<StreamEntry[]> {
  const entries: Array<[id: string, fields: string[]]> = await redis.xrange(stream, '-', '+');
  return entries.map(([id, fields]) => {
    const values = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i]!, fields[i + 1]!);
    return { id, type: values.get('type') ?? '', event: JSON.parse(values.get('event') ?? 'null') as MlEvent };
  });
}

const ajv = new Ajv({ allErrors: true });
addFormats(ajv);
const validators = new Map<string, ValidateFunction>(EVENT_TYPES.map((type) => [type, ajv.compile(EVENT_SCHEMAS[type])]));

/**
 * The schema errors of a stream entry: empty when the entry's `type` field is
 * a catalogue type, its envelope validates against that type's schema, and
 * the envelope's own `type` equals the field.
 */
export function envelopeErrors(entry: StreamEntry): string[] {
  const validate = validators.get(entry.type);
  if (!validate) return [`unknown type field ${JSON.stringify(entry.type)}`];
  const errors: string[] = [];
  if (!validate(entry.event)) {
    errors.push(...(validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''}`));
  }
  if ((entry.event as { type?: unknown } | null)?.type !== entry.type) errors.push('envelope type differs from the type field');
  return errors;
}

/** Asserts the entry is schema-valid (see `envelopeErrors`), with the errors in the failure message. */
export function expectValidEntry(entry: StreamEntry): void {
  expect({ entry: entry.id, type: entry.type, errors: envelopeErrors(entry) }).toEqual({ entry: entry.id, type: entry.type, errors: [] });
}

/** The events of `type` in the stream entries, in stream order. */
export function eventsOfType<T extends EventType>(entries: StreamEntry[], type: T): Array<Extract<MlEvent, { type: T }>> {
  return entries.filter((entry) => entry.type === type).map((entry) => entry.event as Extract<MlEvent, { type: T }>);
}

/**
 * The ML stream of a test file's app, and a relay that publishes its outbox
 * on demand (no background loop): RedisClient and a PostgreSQL session are opened in
 * `beforeAll`, and the stream is deleted before the app closes.
 */
export function useEventStream(t: FileTestApp) {
  let redis: RedisClient;
  let pg: Client;
  let relay: OutboxRelay;
  beforeAll(async () => {
    redis = createRedis(t.config.redis, 'blocking', 'checkout-test');
    pg = new Client({ connectionString: t.config.DATABASE_URL });
    await pg.connect();
    relay = new OutboxRelay(redis, relaySettings(t.config), silentLog);
  });
  t.beforeClose(async () => {
    await redis.del(t.config.ML_EVENTS_STREAM, markerKey(t.config.ML_EVENTS_STREAM));
    await pg.end();
    await redis.quit();
  });

  /** Publishes everything the outbox holds with the relay, then returns the whole stream. */
  async function publishAndRead(): Promise<StreamEntry[]> {
    while ((await relay.publishBatch(pg)) > 0);
    const [left] = await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL');
    expect(left!.n).toBe(0);
    return readStream(redis, t.config.ML_EVENTS_STREAM);
  }

  /** The published events of one user, in stream order, each checked against its schema and its outbox row. */
  async function publishedFor(userId: string): Promise<MlEvent[]> {
    const entries = (await publishAndRead()).filter((entry) => entry.event?.user_id === userId);
    const rows = await t.sql<{ event_id: string; type: string }>('SELECT event_id, type FROM outbox_events WHERE user_id = $1 ORDER BY id', [userId]);
    for (const entry of entries) expectValidEntry(entry);
    // each committed row is in the stream exactly once, in outbox order
    expect(entries.map((entry) => [entry.event.event_id, entry.type])).toEqual(rows.map((row) => [row.event_id, row.type]));
    return entries.map((entry) => entry.event);
  }

  return { publishAndRead, publishedFor };
}
