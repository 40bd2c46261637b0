import type { Transaction } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import type { EventData, EventType } from './event-catalogue';

export interface NewEvent<T extends EventType> {
  type: T;
  userId: string;
  /** The order id, or the user id for cart events: the unit whose events keep their order. */
  aggregateId: string;
  data: EventData<T>;
}

/** Writes an ML event into the outbox, inside the caller's transaction: it exists only if the change commits. */
export async function recordEvent<T extends EventType>(
  db: Sequelize,
  transaction: Transaction,
  event: NewEvent<T>,
): Promise<void> {
  await db.query('INSERT INTO outbox_events (type, user_id, aggregate_id, data) VALUES ($1, $2, $3, $4::jsonb)', {
    bind: [event.type, event.userId, event.aggregateId, JSON.stringify(event.data)],
    transaction,
  });
}
