import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { EVENT_SCHEMAS, EVENT_TYPES, type EventType, type MlEvent } from '../../shared/events/event-catalogue';
import type { Config } from '../../shared/config/config-schema';
import type { RelaySettings } from '../../worker/relay/outbox-relay';

/** One entry of the ML stream: its position, its `type` field and its parsed `event` field. */
export interface StreamEntry {
  id: string;
  type: string;
  event: MlEvent;
}

/** Relay settings for a test app, with `overrides` (a per-test stream, a small batch, …). */
export function relaySettings(config: Config, overrides: Partial<RelaySettings> = {}): RelaySettings {
  return {
    databaseUrl: config.DATABASE_URL,
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
export async function readStream(redis: Redis, stream: string): Promise<StreamEntry[]> {
  const entries = await redis.xrange(stream, '-', '+');
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
