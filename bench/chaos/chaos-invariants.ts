import type { RedisClient } from '../../shared/redis/redis-connection';
import type { Pool } from 'pg';

/**
 * What must hold after any mix of faults, as a list of violations (empty:
 * all hold). Read from PostgreSQL (the source of truth) and the ML stream.
 */
export async function findViolations(
  pool: Pool,
  redis: RedisClient,
  { stream, initialStock, cartsAtCheckout }: { stream: string; initialStock: Map<string, number>; cartsAtCheckout: Map<string, number> },
): Promise<string[]> {
  const violations: string[] = [];
  const rows = async <T>(text: string, params: unknown[] = []) => (await pool.query(text, params)).rows as T[];

  const pending = await rows<{ id: string }>(`SELECT id FROM orders WHERE status = 'pending'`);
  if (pending.length > 0) violations.push(`${pending.length} orders still pending`);

  const twice = await rows<{ user_id: string; orders: number }>(
    `SELECT user_id, count(*)::int AS orders FROM orders GROUP BY user_id HAVING count(*) > 1`,
  );
  for (const { user_id, orders } of twice) violations.push(`user ${user_id} (one Idempotency-Key) has ${orders} orders`);

  const exits = await rows<{ order_id: string; moves: number }>(
    `SELECT order_id, count(*)::int AS moves FROM order_status_history WHERE status <> 'pending' GROUP BY order_id HAVING count(*) <> 1`,
  );
  for (const { order_id, moves } of exits) violations.push(`order ${order_id} left pending ${moves} times`);

  const stock = await rows<{ id: string; stock: number; sold: number }>(
    `SELECT p.id, p.stock, coalesce((SELECT sum(i.quantity) FROM order_items i JOIN orders o ON o.id = i.order_id
                                      WHERE i.product_id = p.id AND o.status = 'placed'), 0)::int AS sold
       FROM products p`,
  );
  for (const { id, stock: left, sold } of stock) {
    const initial = initialStock.get(id);
    if (left < 0 || left + sold !== initial) violations.push(`product ${id}: ${initial} at start, ${left} left + ${sold} sold`);
  }

  const carts = await rows<{ user_id: string; status: string; lines: number }>(
    `SELECT o.user_id, o.status, (SELECT count(*)::int FROM cart_items c WHERE c.user_id = o.user_id) AS lines FROM orders o`,
  );
  for (const { user_id, status, lines } of carts) {
    if (status === 'placed' && lines !== 0) violations.push(`user ${user_id}: order placed but ${lines} cart lines left`);
    if (status === 'failed' && lines !== cartsAtCheckout.get(user_id)) {
      violations.push(`user ${user_id}: order failed but the cart has ${lines} lines, not ${cartsAtCheckout.get(user_id)}`);
    }
  }

  const placed = new Set((await rows<{ id: string }>(`SELECT id FROM orders WHERE status = 'placed'`)).map((row) => row.id));
  const placedEvents = new Map<string, Set<string>>();
  const entries: Array<[id: string, fields: string[]]> = await redis.xrange(stream, '-', '+');
  for (const [, fields] of entries) {
    if (fields[fields.indexOf('type') + 1] !== 'order.placed') continue;
    const event = JSON.parse(fields[fields.indexOf('event') + 1] ?? '{}') as { event_id: string; data: { order_id: string } };
    const ids = placedEvents.get(event.data.order_id) ?? new Set<string>();
    ids.add(event.event_id);
    placedEvents.set(event.data.order_id, ids);
  }
  for (const orderId of placed) {
    const ids = placedEvents.get(orderId)?.size ?? 0;
    if (ids !== 1) violations.push(`placed order ${orderId} has ${ids} distinct order.placed events in the stream`);
  }
  for (const orderId of placedEvents.keys()) {
    if (!placed.has(orderId)) violations.push(`order ${orderId} has an order.placed event but is not placed`);
  }
  return violations;
}
