import type { Client } from 'pg';
import { QueryTypes } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import type { EventType, MlEvent } from '../../shared/events/event-catalogue';

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

/** The oldest unpublished events, in insertion order (which is commit order for any one order). */
export async function readUnpublished(client: Client, limit: number): Promise<OutboxRow[]> {
  const { rows } = await client.query<OutboxRow>(
    `SELECT ${ROW_COLUMNS} FROM outbox_events WHERE published_at IS NULL ORDER BY id LIMIT $1`,
    [limit],
  );
  return rows;
}

export async function markPublished(client: Client, ids: string[]): Promise<void> {
  await client.query('UPDATE outbox_events SET published_at = now() WHERE id = ANY($1::bigint[])', [ids]);
}

/** Rows retained for replay, from `since` on, in insertion order. */
export async function readSince(client: Client, since: Date, afterId: string, limit: number): Promise<OutboxRow[]> {
  const { rows } = await client.query<OutboxRow>(
    `SELECT ${ROW_COLUMNS} FROM outbox_events WHERE occurred_at >= $1 AND id > $2 ORDER BY id LIMIT $3`,
    [since, afterId, limit],
  );
  return rows;
}

/** Deletes published rows older than the retention, at most `limit` (call until it returns 0). */
export async function purgePublished(client: Client, retentionHours: number, limit: number): Promise<number> {
  const { rowCount } = await client.query(
    `DELETE FROM outbox_events WHERE id IN (
       SELECT id FROM outbox_events
        WHERE published_at IS NOT NULL AND published_at < now() - make_interval(hours => $1)
        ORDER BY published_at LIMIT $2)`,
    [retentionHours, limit],
  );
  return rowCount ?? 0;
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

/** Outbox figures for metrics: rows waiting, and the age of the oldest one (the relay's lag). */
export async function outboxLag(db: Sequelize): Promise<{ unpublished: number; lagSeconds: number }> {
  const [row] = await db.query<{ unpublished: number; lagSeconds: number }>(
    `SELECT count(*)::int AS unpublished,
            coalesce(extract(epoch FROM now() - min(occurred_at)), 0)::float8 AS "lagSeconds"
       FROM outbox_events WHERE published_at IS NULL`,
    { type: QueryTypes.SELECT },
  );
  return row ?? { unpublished: 0, lagSeconds: 0 };
}
