import { QueryTypes } from 'sequelize';
import type { Tx } from '../tx';
import type { PricedItem } from './price-lines';

/**
 * Decrements stock with a guarded update (`stock >= quantity`): even if a
 * lock were missed, nothing can be oversold. Throws if any row was not taken.
 */
export async function takeStock({ db, transaction }: Tx, items: PricedItem[]): Promise<void> {
  const taken = await db.query(
    `UPDATE products p SET stock = p.stock - v.quantity, updated_at = now()
       FROM unnest($1::uuid[], $2::int[]) AS v(id, quantity)
      WHERE p.id = v.id AND p.stock >= v.quantity
      RETURNING p.id`,
    { type: QueryTypes.SELECT, bind: [items.map((i) => i.productId), items.map((i) => i.quantity)], transaction },
  );
  if (taken.length !== items.length) throw new Error('stock changed under the placement lock');
}
