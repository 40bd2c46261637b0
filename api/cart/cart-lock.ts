import { QueryTypes, type Transaction } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import { AppError } from '../../shared/errors/error-codes';

/** Advisory-lock namespace of per-user cart locks (the second key is a hash of the user id). */
const CART_LOCK_NAMESPACE = 7_201_002;

/** Serialises a user's cart mutations and checkouts for the rest of the transaction. */
export async function lockCart(db: Sequelize, transaction: Transaction, userId: string): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', { bind: [CART_LOCK_NAMESPACE, userId], transaction });
}

/**
 * Locks the cart and refuses while a checkout is turning it into an order.
 * The lookup is a statement of its own, so it sees what committed while we waited for the lock.
 */
export async function lockCartForChange(db: Sequelize, transaction: Transaction, userId: string): Promise<void> {
  await lockCart(db, transaction, userId);
  const [pending] = await db.query<{ id: string }>(
    `SELECT id FROM orders WHERE user_id = $1 AND status = 'pending'`,
    { type: QueryTypes.SELECT, bind: [userId], transaction },
  );
  if (pending) throw checkoutInProgress(pending.id);
}

export function checkoutInProgress(orderId: string): AppError {
  return new AppError('CHECKOUT_IN_PROGRESS', 'A checkout of this cart is in progress', {
    order_id: orderId,
    status_url: `/api/orders/${orderId}`,
  });
}
