import { QueryTypes } from 'sequelize';
import type { OrderStatus } from '../../../shared/domain/order-status';
import type { Tx } from '../tx';

export interface LockedOrder {
  id: string;
  userId: string;
  status: OrderStatus;
}

/** Locks the order row for the rest of the transaction (a second worker on the same order waits here). */
export async function lockOrder({ db, transaction }: Tx, orderId: string): Promise<LockedOrder | null> {
  const [order] = await db.query<LockedOrder>(
    `SELECT id, user_id AS "userId", status FROM orders WHERE id = $1 FOR UPDATE`,
    { type: QueryTypes.SELECT, bind: [orderId], transaction },
  );
  return order ?? null;
}
