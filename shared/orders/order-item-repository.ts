import { QueryTypes } from 'sequelize';
import type { Tx } from '../db/transaction';

/** A line as it is sold: a snapshot of name, price and seller at placement. */
export interface PricedItem {
  productId: string;
  sellerId: string | null;
  name: string;
  unitPrice: string;
  quantity: number;
  lineTotal: string;
}

/** How many of the order's lines are the seller's, out of how many. */
export async function countSellerLines(
  { db, transaction }: Tx,
  orderId: string,
  sellerId: string,
): Promise<{ mine: number; total: number }> {
  const [lines] = await db.query<{ mine: number; total: number }>(
    `SELECT count(*) FILTER (WHERE seller_id = $2)::int AS mine, count(*)::int AS total FROM order_items WHERE order_id = $1`,
    { type: QueryTypes.SELECT, bind: [orderId, sellerId], transaction },
  );
  return lines ?? { mine: 0, total: 0 };
}
