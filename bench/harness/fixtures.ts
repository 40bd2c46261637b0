import type { Pool } from 'pg';
import { waitFor } from '../../deploy/local/wait-for';

/** Stock that no run can exhaust: every checkout of the bench is placed. */
export const UNLIMITED_STOCK = 1_000_000_000;

/** The checkout body every shopper of the bench sends. */
export const CHECKOUT_BODY = { contact: 'bench@example.com', address: '1 Benchmark Road, Loadtown' } as const;

export interface Catalogue {
  /** Product ids in id order. */
  productIds: string[];
}

/** `count` active products, prices 1.99…50.99, ten sellers, unlimited stock. */
export async function createCatalogue(pool: Pool, count: number): Promise<Catalogue> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO products (name, price, stock, seller_id)
     SELECT 'Bench product ' || g, ((g % 50 + 1) || '.99')::numeric, $2, 'seller-' || (g % 10)
       FROM generate_series(1, $1) g
     RETURNING id`,
    [count, UNLIMITED_STOCK],
  );
  return { productIds: rows.map((row) => row.id).sort() };
}

/** `count` user ids of one measurement (each measurement has its own shoppers). */
export function users(phase: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `bench-${phase}-${i}`);
}

/** The `lines` distinct products of user number `index`'s cart (spread evenly over the catalogue). */
export function cartProducts(catalogue: Catalogue, index: number, lines: number): string[] {
  const { productIds } = catalogue;
  return Array.from({ length: lines }, (_, line) => productIds[(index * lines + line) % productIds.length]!);
}

/** Every user gets a cart of `lines` distinct products, one unit each (written directly: setup, not measured). */
export async function fillCarts(pool: Pool, catalogue: Catalogue, userIds: string[], lines: number): Promise<void> {
  const rows = userIds.flatMap((userId, index) => cartProducts(catalogue, index, lines).map((productId) => [userId, productId] as const));
  await pool.query(
    `INSERT INTO cart_items (user_id, product_id, quantity) SELECT u, p, 1 FROM unnest($1::text[], $2::uuid[]) AS t(u, p)`,
    [rows.map(([userId]) => userId), rows.map(([, productId]) => productId)],
  );
}

/**
 * Empties orders, carts and the outbox and restores the stock, so that each
 * measurement starts from the same state. Only while no order is in flight
 * (a worker may run, idle). Only the products are vacuumed and analysed: the
 * emptied tables stay as TRUNCATE leaves them, of unknown size, as in a newly
 * migrated database. Analysed while empty, they would make PostgreSQL plan
 * sequential scans on orders and order items into the prepared statements of
 * every connection, and those plans would stay while the tables grow during
 * the run (service and floor alike, each connection by the luck of when it
 * planned).
 */
export async function resetData(pool: Pool): Promise<void> {
  await pool.query('TRUNCATE idempotency_keys, order_status_history, order_items, outbox_events, orders, cart_items');
  await pool.query('UPDATE products SET stock = $1', [UNLIMITED_STOCK]);
  await pool.query('VACUUM ANALYZE products');
}

/** Orders that are no longer pending. */
export async function countFinalOrders(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ final: number }>(`SELECT count(*)::int AS final FROM orders WHERE status <> 'pending'`);
  return rows[0]!.final;
}

/** Resolves (with the time, from performance.now()) once `count` orders are final; polls every `intervalMs`. */
export async function untilOrdersFinal(pool: Pool, count: number, timeoutMs: number, intervalMs = 25): Promise<number> {
  await waitFor(`${count} orders final`, async () => (await countFinalOrders(pool)) >= count, { timeoutMs, intervalMs });
  return performance.now();
}

/** Orders by status, to check a run did what it should (every order placed). */
export async function ordersByStatus(pool: Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM orders GROUP BY status');
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}
