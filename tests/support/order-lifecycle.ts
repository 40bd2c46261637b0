import { ORDER_STATUSES, canTransition, type OrderStatus } from '../../shared/domain/order-status';
import { placeOrder } from '../../shared/placement/place-order';
import { admin, newUser, type Actor } from './actors';
import { givenFor, type Line } from './given';
import type { OrderJson } from './rows';
import { routesFor } from './routes';
import type { TestApp } from './test-app';

/** The admin who makes the admin moves unless a test names another. */
export const ADMIN = admin('admin1');

/** Where each status is reached from pending, by the actor that normally makes the move. */
export const PATH_TO: Record<OrderStatus, OrderStatus[]> = {
  pending: [],
  placed: ['placed'],
  failed: ['failed'],
  cancelled: ['cancelled'],
  shipped: ['placed', 'shipped'],
  delivered: ['placed', 'shipped', 'delivered'],
};

/** Every (from, to) pair the state machine refuses. */
export const ILLEGAL_MOVES = ORDER_STATUSES.flatMap((from) =>
  ORDER_STATUSES.filter((to) => !canTransition(from, to)).map((to): [OrderStatus, OrderStatus] => [from, to]),
);

/** Sorts order or cart lines by product id, to compare them regardless of order. */
export const byProduct = (a: { product_id: string }, b: { product_id: string }) => a.product_id.localeCompare(b.product_id);

/**
 * Orders in a given state, made the way the system makes them: the customer
 * checks out through the API, the worker's own placement transaction places
 * it, the customer cancels and an admin moves it on.
 */
export function lifecycleFor(t: TestApp) {
  const api = routesFor(t.api);
  const given = givenFor(t.api);

  /** An admin's PATCH that must succeed (200 with the order in `status`); returns the order. */
  async function adminMove(orderId: string, status: OrderStatus, who: Actor = ADMIN): Promise<OrderJson> {
    const res = await api.adminPatchOrder(who, orderId, { status });
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 200, body: { order_id: orderId, status } });
    return res.body;
  }

  /** Places a pending order in-process with the worker's own transaction, then wakes its long-polls as the worker does. */
  async function place(orderId: string): Promise<void> {
    expect(await placeOrder(t.app.db, orderId)).toMatchObject({ status: 'placed' });
    await t.app.announceStatusChanges([orderId]);
  }

  return {
    adminMove,
    place,

    /** A pending order of the lines, placed by the worker's own transaction. */
    async placedOrder(customer: Actor, lines: readonly Line[]): Promise<string> {
      const orderId = await given.pendingOrder(customer, lines);
      await place(orderId);
      return orderId;
    },

    /** A fresh order of one line (`quantity` of a new product with stock 20) brought to `status` through the API. */
    async orderIn(status: OrderStatus, quantity = 2) {
      const customer = newUser('customer');
      const product = await given.product({ seller_id: null, stock: 20 });
      const orderId = await given.pendingOrder(customer, [[product, quantity]]);
      for (const to of PATH_TO[status]) {
        if (to === 'placed') await place(orderId);
        else if (to === 'cancelled') expect((await api.cancel(customer, orderId)).status).toBe(200);
        else await adminMove(orderId, to);
      }
      return { customer, product, orderId };
    },
  };
}
