import { QueryTypes } from 'sequelize';
import type { Tx } from '../tx';

export interface CartLineToOrder {
  id: string;
  productId: string;
  quantity: number;
}

/** Locks the user's cart lines: exactly these lines are ordered and, on success, removed. */
export function lockCartLines({ db, transaction }: Tx, userId: string): Promise<CartLineToOrder[]> {
  return db.query<CartLineToOrder>(
    `SELECT id, product_id AS "productId", quantity FROM cart_items
      WHERE user_id = $1 ORDER BY product_id FOR UPDATE`,
    { type: QueryTypes.SELECT, bind: [userId], transaction },
  );
}
