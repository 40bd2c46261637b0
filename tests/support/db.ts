import type { FailureReason, OrderStatus } from '../../shared/domain/order-status';
import type { Shortage } from '../../shared/domain/shortage';
import { statusChangeEvent } from '../../shared/orders/change-order-status';
import { orderFailed } from '../../shared/orders/order-events';
import { lockOrder } from '../../shared/orders/order-repository';
import { transitionOrder } from '../../shared/orders/order-status-repository';
import type { ApiResponse } from './api-client';
import { expectStockConserved } from './invariants';
import type { CartRow, OrderJson, OrderPage, OutboxRow, StatusHistoryRow } from './rows';
import type { TestApp } from './test-app';

/**
 * What tests read and do in PostgreSQL beside the API, on the in-process app:
 * cart rows, stock, statuses and history, snapshots that prove a refused
 * request changed nothing, and order moves made the way the worker or an
 * admin makes them. Pass `useTestApp()`'s app: it is read on each call.
 */
export function dbFor(t: TestApp) {
  const sql = <T>(text: string, params: unknown[] = []) => t.sql<T>(text, params);

  /** Every cart row, to prove a refused request changed nothing. */
  function cartTable(): Promise<CartRow[]> {
    return sql('SELECT id, user_id, product_id, quantity, updated_at FROM cart_items ORDER BY id');
  }

  /** One user's cart rows (by id), to prove what a request did or did not do to that cart. */
  function cartOf(userId: string): Promise<CartRow[]> {
    return sql('SELECT id, user_id, product_id, quantity, updated_at FROM cart_items WHERE user_id = $1 ORDER BY id', [userId]);
  }

  async function cartRow(id: string): Promise<CartRow | undefined> {
    const [row] = await sql<CartRow>('SELECT id, user_id, product_id, quantity, updated_at FROM cart_items WHERE id = $1', [id]);
    return row;
  }

  async function countProducts(): Promise<number> {
    const [row] = await sql<{ n: number }>('SELECT count(*)::int AS n FROM products');
    return row!.n;
  }

  /** What the products table holds for one product (price as text, exactly as stored). */
  async function productRow(id: string) {
    const [row] = await sql<Record<string, unknown>>('SELECT name, price::text AS price, stock, seller_id, active FROM products WHERE id = $1', [id]);
    return row;
  }

  async function stockOf(productId: string): Promise<number> {
    const [row] = await sql<{ stock: number }>('SELECT stock FROM products WHERE id = $1', [productId]);
    return row!.stock;
  }

  async function statusOf(orderId: string): Promise<OrderStatus> {
    const [row] = await sql<{ status: OrderStatus }>('SELECT status FROM orders WHERE id = $1', [orderId]);
    return row!.status;
  }

  /** The order's history rows (status and who moved it), oldest first. */
  function historyOf(orderId: string): Promise<Array<Pick<StatusHistoryRow, 'status' | 'actor'>>> {
    return sql('SELECT status, actor FROM order_status_history WHERE order_id = $1 ORDER BY id', [orderId]);
  }

  /** The statuses the order went through, oldest first. */
  async function statusesOf(orderId: string): Promise<string[]> {
    return (await historyOf(orderId)).map((row) => row.status);
  }

  /** The order.* outbox rows of one order, in commit order. */
  function orderEventsOf(orderId: string): Promise<Array<Pick<OutboxRow, 'type' | 'user_id' | 'data'>>> {
    return sql(`SELECT type, user_id, data FROM outbox_events WHERE aggregate_id = $1 AND type LIKE 'order.%' ORDER BY id`, [orderId]);
  }

  /** The outbox rows of one user, in commit order. */
  function outboxOf(userId: string): Promise<Array<Omit<OutboxRow, 'data'>>> {
    return sql('SELECT event_id, type, aggregate_id, user_id FROM outbox_events WHERE user_id = $1 ORDER BY id', [userId]);
  }

  /**
   * Everything a refused request must leave alone in the whole database: row
   * counts, every order's status and update time, every cart line, every
   * idempotency key, stock, and the number of jobs in this file's queue.
   */
  async function snapshot() {
    const [counts] = await sql<Record<string, number>>(
      `SELECT (SELECT count(*)::int FROM orders) AS orders,
              (SELECT count(*)::int FROM order_status_history) AS history,
              (SELECT count(*)::int FROM idempotency_keys) AS idempotency_keys,
              (SELECT count(*)::int FROM cart_items) AS cart_items,
              (SELECT count(*)::int FROM order_items) AS order_items`,
    );
    return {
      counts,
      orders: await sql('SELECT id, status, updated_at FROM orders ORDER BY id'),
      cart: await sql('SELECT id, user_id, product_id, quantity, updated_at FROM cart_items ORDER BY id'),
      keys: await sql('SELECT user_id, key, request_hash, order_id, created_at FROM idempotency_keys ORDER BY user_id, key'),
      stock: await sql('SELECT id, stock FROM products ORDER BY id'),
      jobs: await t.app.checkoutQueue.count(),
    };
  }

  /** Everything a refused request must leave alone on one order and its products. */
  async function orderState(orderId: string) {
    return {
      order: await sql(
        'SELECT status, failure_reason, failure_details, total_price, items_count, updated_at FROM orders WHERE id = $1',
        [orderId],
      ),
      items: await sql('SELECT product_id, seller_id, quantity FROM order_items WHERE order_id = $1 ORDER BY product_id', [orderId]),
      history: await historyOf(orderId),
      events: await sql('SELECT type, data FROM outbox_events WHERE aggregate_id = $1 ORDER BY id', [orderId]),
      stock: await sql(
        `SELECT id, stock FROM products WHERE id IN (SELECT product_id FROM order_items WHERE order_id = $1)
            OR id IN (SELECT c.product_id FROM cart_items c JOIN orders o ON o.user_id = c.user_id WHERE o.id = $1)
          ORDER BY id`,
        [orderId],
      ),
    };
  }

  /** The expected newest-first order of a set of order ids, from PostgreSQL itself. */
  async function newestFirst(where: string, params: unknown[] = []): Promise<string[]> {
    const rows = await sql<{ id: string }>(`SELECT id FROM orders WHERE ${where} ORDER BY created_at DESC, id DESC`, params);
    return rows.map((row) => row.id);
  }

  /**
   * Moves an order through `transitionOrder` in its own transaction, with the event a person's move writes (or, with
   * `failure`, the placement's or the reconciler's failure), as an admin, the worker or the reconciler would.
   */
  async function moveOrder(
    orderId: string,
    to: Exclude<OrderStatus, 'pending' | 'placed'>,
    { actor = 'test', failure }: { actor?: string; failure?: { reason: FailureReason; details: { products?: Shortage[] } } } = {},
  ): Promise<void> {
    const { db } = t.app;
    const moved = await db.transaction(async (transaction) => {
      const tx = { db, transaction };
      const order = (await lockOrder(tx, orderId))!;
      const event = failure ? orderFailed(orderId, failure.reason, failure.details.products) : statusChangeEvent(order, to);
      return transitionOrder(tx, { orderId, event, actor, failureDetails: failure?.details });
    });
    expect(moved).toBe(true);
    // as every process that changes an order does after its commit: wake the long-polls
    await t.app.announceStatusChanges([orderId]);
  }

  return {
    cartTable,
    cartOf,
    cartRow,
    countProducts,
    productRow,
    stockOf,
    statusOf,
    historyOf,
    statusesOf,
    orderEventsOf,
    outboxOf,
    snapshot,
    orderState,
    newestFirst,
    moveOrder,
    /** initial = current + everything in placed, shipped or delivered orders (cancelled orders gave theirs back). */
    expectStockConserved: (productId: string, initial: number) => expectStockConserved(sql, productId, initial),
  };
}

/** Follows next_cursor from the first page; returns the order ids seen and the pages. */
export async function walkOrders(list: (query: string) => Promise<ApiResponse<OrderPage>>, query: string) {
  const ids: string[] = [];
  const pages: OrderJson[][] = [];
  let cursor: string | null = null;
  do {
    const res = await list(`?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status).toBe(200);
    pages.push(res.body.orders);
    ids.push(...res.body.orders.map((order) => order.order_id));
    cursor = res.body.next_cursor;
  } while (cursor && pages.length < 50);
  return { ids, pages };
}
