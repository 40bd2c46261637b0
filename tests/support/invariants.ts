import type { Stack } from './stack';

/**
 * The invariants every fault test ends with: no order pending, each order
 * moved out of pending exactly once, placed orders have their items, and
 * stock is conserved (see `expectStockConserved`).
 */
export async function expectInvariants(stack: Stack, initialStock: Record<string, number>): Promise<void> {
  const pending = await stack.sql(`SELECT id FROM orders WHERE status = 'pending'`);
  expect(pending).toEqual([]);

  const exits = await stack.sql<{ order_id: string; moves: number }>(
    `SELECT order_id, count(*)::int AS moves FROM order_status_history WHERE status <> 'pending' GROUP BY order_id`,
  );
  expect(exits.filter((row) => row.moves !== 1)).toEqual([]);

  const placedWithoutItems = await stack.sql(
    `SELECT o.id FROM orders o WHERE o.status = 'placed' AND NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)`,
  );
  expect(placedWithoutItems).toEqual([]);

  const itemsOfUnplaced = await stack.sql(
    `SELECT o.id FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.status = 'failed'`,
  );
  expect(itemsOfUnplaced).toEqual([]);

  for (const [productId, initial] of Object.entries(initialStock)) await expectStockConserved(stack.sql, productId, initial);
}

/**
 * Stock is conserved for one product: never below zero, and the initial stock
 * equals the current stock plus everything in placed, shipped or delivered
 * orders (failed orders took none, cancelled orders gave theirs back).
 */
export async function expectStockConserved(
  sql: <T>(text: string, params?: unknown[]) => Promise<T[]>,
  productId: string,
  initial: number,
): Promise<void> {
  const [row] = await sql<{ stock: number; sold: number }>(
    `SELECT p.stock, coalesce((SELECT sum(i.quantity) FROM order_items i JOIN orders o ON o.id = i.order_id
                                WHERE i.product_id = p.id AND o.status IN ('placed', 'shipped', 'delivered')), 0)::int AS sold
       FROM products p WHERE p.id = $1`,
    [productId],
  );
  expect(row!.stock).toBeGreaterThanOrEqual(0);
  expect(row!.stock + row!.sold).toBe(initial);
}
