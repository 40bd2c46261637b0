import { QueryTypes } from 'sequelize';
import { run, statement } from '../db/prepared';
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

const WRITE_ORDER_ITEMS = statement(
  'order_items_write',
  `INSERT INTO order_items (order_id, product_id, seller_id, name, unit_price, quantity, line_total)
   SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::numeric[], $6::int[], $7::numeric[])`,
);

/** Writes the order's line snapshots in one statement. */
export async function writeOrderItems(tx: Tx, orderId: string, items: PricedItem[]): Promise<void> {
  await run(tx, WRITE_ORDER_ITEMS, [
    orderId,
    items.map((i) => i.productId),
    items.map((i) => i.sellerId),
    items.map((i) => i.name),
    items.map((i) => i.unitPrice),
    items.map((i) => i.quantity),
    items.map((i) => i.lineTotal),
  ]);
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
