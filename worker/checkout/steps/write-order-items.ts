import type { Tx } from '../tx';
import type { PricedItem } from './price-lines';

/** Writes the order's line snapshots in one statement. */
export async function writeOrderItems({ db, transaction }: Tx, orderId: string, items: PricedItem[]): Promise<void> {
  await db.query(
    `INSERT INTO order_items (order_id, product_id, seller_id, name, unit_price, quantity, line_total)
     SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::numeric[], $6::int[], $7::numeric[])`,
    {
      bind: [
        orderId,
        items.map((i) => i.productId),
        items.map((i) => i.sellerId),
        items.map((i) => i.name),
        items.map((i) => i.unitPrice),
        items.map((i) => i.quantity),
        items.map((i) => i.lineTotal),
      ],
      transaction,
    },
  );
}
