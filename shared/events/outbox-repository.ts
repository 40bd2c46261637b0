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
  /** The W3C traceparent of the change that wrote the event (tracing on), or null. */
  traceparent: string | null;
}

const ROW_COLUMNS = 'id, event_id, type, version, user_id, data, occurred_at, traceparent';

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

/** Marks rows published as batch `batch` of the stream, and records that batch as the stream's last (one statement). */
export async function markPublished(session: Session, { stream, ids, batch }: { stream: string; ids: string[]; batch: number }): Promise<void> {
  await session.query(
    `WITH state AS (UPDATE relay_state SET batch = GREATEST(batch, $3) WHERE stream = $1)
     UPDATE outbox_events SET published_at = now(), published_batch = $3 WHERE id = ANY($2::bigint[])`,
    [stream, ids, batch],
  );
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

/** The relay's record of a stream: the epoch of its marker in Redis and the last batch marked published. */
export interface RelayState {
  epoch: string;
  batch: number;
}

export async function readRelayState(session: Session, stream: string): Promise<RelayState | null> {
  const { rows } = await session.query<RelayState>(`SELECT epoch, batch::int AS batch FROM relay_state WHERE stream = $1`, [stream]);
  return rows[0] ?? null;
}

/**
 * Starts a new epoch of the stream (its marker in Redis is missing or not
 * ours), in one statement: records the epoch and, when `republish` is set
 * (Redis lost the stream), marks every retained published row unpublished
 * so the relay publishes them anew, in their original order. Returns how
 * many rows that put back.
 */
export async function beginRelayEpoch(
  session: Session,
  { stream, epoch, republish }: { stream: string; epoch: string; republish: boolean },
): Promise<number> {
  const { rows } = await session.query<{ republished: number }>(
    `WITH republish AS (
       UPDATE outbox_events SET published_at = NULL, published_batch = NULL
        WHERE $3 AND published_at IS NOT NULL
        RETURNING 1),
     state AS (
       -- batch numbers never repeat in a database, whichever stream they went to
       INSERT INTO relay_state (stream, epoch, batch) VALUES ($1, $2, (SELECT coalesce(max(batch), 0) FROM relay_state))
       ON CONFLICT (stream) DO UPDATE SET epoch = EXCLUDED.epoch, changed_at = now()
       RETURNING 1)
     SELECT (SELECT count(*) FROM republish)::int AS republished, (SELECT count(*) FROM state) AS recorded`,
    [stream, epoch, republish],
  );
  return rows[0]?.republished ?? 0;
}

/**
 * Redis kept the stream only up to batch `batch` (a failover to a replica
 * that lagged): the rows of later batches are marked unpublished again, so
 * the relay publishes them anew. Returns how many.
 */
export async function republishAfterBatch(session: Session, batch: number): Promise<number> {
  const { rowCount } = await session.query(
    'UPDATE outbox_events SET published_at = NULL, published_batch = NULL WHERE published_batch > $1',
    [batch],
  );
  return rowCount ?? 0;
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
