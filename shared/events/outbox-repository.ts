import { QueryTypes } from 'sequelize';
import type { Database } from '../db/database';
import type { Session } from '../db/session';
import type { Tx } from '../db/transaction';
import type { EventData, EventType, MlEvent } from './event-catalogue';

/** An event as a change writes it. */
export interface NewEvent<T extends EventType> {
  type: T;
  userId: string;
  /** The order id, or the user id for cart events: the unit whose events keep their order. */
  aggregateId: string;
  data: EventData<T>;
}

/** An outbox row as the relay reads it. */
export interface OutboxRow {
  id: string;
  event_id: string;
  type: EventType;
  version: number;
  user_id: string;
  data: Record<string, unknown>;
  occurred_at: Date;
}

const ROW_COLUMNS = 'id, event_id, type, version, user_id, data, occurred_at';

/** Writes an ML event into the outbox, inside the caller's transaction: it exists only if the change commits. */
export async function recordEvent<T extends EventType>({ db, transaction }: Tx, event: NewEvent<T>): Promise<void> {
  await db.query('INSERT INTO outbox_events (type, user_id, aggregate_id, data) VALUES ($1, $2, $3, $4::jsonb)', {
    bind: [event.type, event.userId, event.aggregateId, JSON.stringify(event.data)],
    transaction,
  });
}

/**
 * The oldest unpublished events, in insertion order (which is commit order
 * for any one order). Read on the relay's own session: the one that holds
 * the leader lock.
 */
export async function readUnpublished(session: Session, limit: number): Promise<OutboxRow[]> {
  const { rows } = await session.query<OutboxRow>(
    `SELECT ${ROW_COLUMNS} FROM outbox_events WHERE published_at IS NULL ORDER BY id LIMIT $1`,
    [limit],
  );
  return rows;
}

export async function markPublished(session: Session, ids: string[]): Promise<void> {
  await session.query('UPDATE outbox_events SET published_at = now() WHERE id = ANY($1::bigint[])', [ids]);
}

/** Deletes published rows older than the retention, at most `limit` (call until it returns 0). */
export async function purgePublished(session: Session, retentionHours: number, limit: number): Promise<number> {
  const { rowCount } = await session.query(
    `DELETE FROM outbox_events WHERE id IN (
       SELECT id FROM outbox_events
        WHERE published_at IS NOT NULL AND published_at < now() - make_interval(hours => $1)
        ORDER BY published_at LIMIT $2)`,
    [retentionHours, limit],
  );
  return rowCount ?? 0;
}

/** The relay's record of a stream: its epoch marker and the last outbox id known durable there. */
export interface RelayState {
  epoch: string;
  safeOutboxId: string;
}

export async function readRelayState(session: Session, stream: string): Promise<RelayState | null> {
  const { rows } = await session.query<RelayState>(
    `SELECT epoch, safe_outbox_id AS "safeOutboxId" FROM relay_state WHERE stream = $1`,
    [stream],
  );
  return rows[0] ?? null;
}

/**
 * Starts a new epoch of the stream, in one statement: records the new marker
 * and, when `republishAfterId` is given (Redis lost data), marks every row
 * after it unpublished again so the relay publishes them anew, in their
 * original order. Returns how many rows that put back.
 */
export async function beginRelayEpoch(
  session: Session,
  { stream, epoch, republishAfterId }: { stream: string; epoch: string; republishAfterId: string | null },
): Promise<number> {
  const { rows } = await session.query<{ republished: number }>(
    `WITH republish AS (
       UPDATE outbox_events SET published_at = NULL
        WHERE $3::bigint IS NOT NULL AND id > $3::bigint AND published_at IS NOT NULL
        RETURNING 1),
     state AS (
       INSERT INTO relay_state (stream, epoch) VALUES ($1, $2)
       ON CONFLICT (stream) DO UPDATE SET epoch = EXCLUDED.epoch, changed_at = now()
       RETURNING 1)
     SELECT (SELECT count(*) FROM republish)::int AS republished, (SELECT count(*) FROM state) AS recorded`,
    [stream, epoch, republishAfterId],
  );
  return rows[0]?.republished ?? 0;
}

/** Records that outbox rows up to `outboxId` are durable in the stream (never moves backwards). */
export async function advanceSafePoint(session: Session, stream: string, outboxId: string): Promise<void> {
  await session.query(
    'UPDATE relay_state SET safe_outbox_id = GREATEST(safe_outbox_id, $2::bigint) WHERE stream = $1',
    [stream, outboxId],
  );
}

/** Rows retained for replay, from `since` on, in insertion order. */
export function readSince(db: Database, since: Date, afterId: string, limit: number): Promise<OutboxRow[]> {
  return db.query<OutboxRow>(
    `SELECT ${ROW_COLUMNS} FROM outbox_events WHERE occurred_at >= $1 AND id > $2 ORDER BY id LIMIT $3`,
    { type: QueryTypes.SELECT, bind: [since, afterId, limit] },
  );
}

/** Outbox figures for metrics: rows waiting, and the age of the oldest one (the relay's lag). */
export async function outboxLag(db: Database): Promise<{ unpublished: number; lagSeconds: number }> {
  const [row] = await db.query<{ unpublished: number; lagSeconds: number }>(
    `SELECT count(*)::int AS unpublished,
            coalesce(extract(epoch FROM now() - min(occurred_at)), 0)::float8 AS "lagSeconds"
       FROM outbox_events WHERE published_at IS NULL`,
    { type: QueryTypes.SELECT },
  );
  return row ?? { unpublished: 0, lagSeconds: 0 };
}

/** The contract's envelope. */
export function toEnvelope(row: OutboxRow): MlEvent {
  return {
    event_id: row.event_id,
    type: row.type,
    version: row.version,
    occurred_at: row.occurred_at.toISOString(),
    user_id: row.user_id,
    data: row.data,
  } as MlEvent;
}
