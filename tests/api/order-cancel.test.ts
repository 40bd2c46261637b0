import { randomUUID } from 'node:crypto';
import type { OrderStatus } from '../../shared/domain/order-status';
import { placeOrder } from '../../shared/placement/place-order';
import { newUser, type Actor } from '../support/actors';
import { expectError, ISO_UTC } from '../support/expectations';
import { givenFor } from '../support/given';
import { dbFor } from '../support/db';
import { lifecycleFor } from '../support/order-lifecycle';
import { ORDER_FIELDS } from '../support/rows';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

describe('a customer cancels an order: POST /api/orders/:id/cancel', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { snapshot, stockOf, statusOf, historyOf, statusesOf, orderEventsOf, orderState, moveOrder } = dbFor(t);
  const { place, orderIn } = lifecycleFor(t);

  /** An order of 3 × 5.00 and 4 × 7.00 out of stocks of 10 and 4, placed by `placeIt`; `stocks()` reads both stocks. */
  async function placedTwoLineOrder(placeIt: (customer: Actor, orderId: string) => Promise<void>) {
    const customer = newUser('customer');
    const a = await given.product({ price: '5.00', stock: 10 });
    const b = await given.product({ price: '7.00', stock: 4 });
    const orderId = await given.pendingOrder(customer, [
      [a, 3],
      [b, 4],
    ]);
    await placeIt(customer, orderId);
    const stocks = async () => [await stockOf(a.id), await stockOf(b.id)];
    expect(await stocks()).toEqual([7, 0]);
    return { customer, orderId, stocks };
  }

  /** The customer's cancel of that order: 200 with the order cancelled and its totals, and each line's stock given back. */
  async function expectCancelledWithStockBack(customer: Actor, orderId: string, stocks: () => Promise<number[]>): Promise<void> {
    const res = await api.cancel(customer, orderId);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'cancelled',
      total_price: '43.00',
      items_count: 7,
      status_history: [{ status: 'pending' }, { status: 'placed' }, { status: 'cancelled' }],
    });
    expect(await stocks()).toEqual([10, 4]);
  }

  describe('the order, its stock and its cart', () => {
    it('cancels a pending order: 200 with the order, history pending → cancelled, stock and cart unchanged', async () => {
      const { user, product } = await given.userWithCart(3);
      const orderId = await given.checkoutOk(user);
      const stock = await stockOf(product.id);

      const res = await api.cancel(user, orderId);
      expect(res.status).toBe(200);
      const order = res.body;
      expect(Object.keys(order).sort()).toEqual([...ORDER_FIELDS, 'status_history'].sort());
      expect(order).toMatchObject({
        order_id: orderId,
        status: 'cancelled',
        items: [],
        status_history: [
          { status: 'pending', at: expect.stringMatching(ISO_UTC) },
          { status: 'cancelled', at: expect.stringMatching(ISO_UTC) },
        ],
      });
      expect(await stockOf(product.id)).toBe(stock);
      expect(await t.sql('SELECT status FROM orders WHERE id = $1', [orderId])).toEqual([{ status: 'cancelled' }]);
      expect(await t.sql('SELECT actor FROM order_status_history WHERE order_id = $1 ORDER BY id', [orderId])).toEqual([
        { actor: `customer:${user.id}` },
        { actor: `customer:${user.id}` },
      ]);
      expect(await t.sql('SELECT quantity FROM cart_items WHERE user_id = $1', [user.id])).toEqual([{ quantity: 3 }]);
    });

    it('cancels a placed order and gives its stock back exactly once; cancelling again is 409 INVALID_TRANSITION', async () => {
      const { customer, orderId, stocks } = await placedTwoLineOrder((_user, id) => place(id));
      await expectCancelledWithStockBack(customer, orderId, stocks);

      const before = await snapshot();
      const again = await api.cancel(customer, orderId);
      expectError(again, 409, 'INVALID_TRANSITION');
      expect(await snapshot()).toEqual(before);
      expect(await stocks()).toEqual([10, 4]);
      expect(await statusesOf(orderId)).toEqual(['pending', 'placed', 'cancelled']);
    });

    it('two concurrent cancels of a placed order: one 200, one 409, stock given back once', async () => {
      const { user, product } = await given.userWithCart(2);
      const orderId = await given.checkoutOk(user);
      await place(orderId);
      const stock = await stockOf(product.id);

      const responses = await Promise.all([api.cancel(user, orderId), api.cancel(user, orderId)]);
      expect(responses.map((res) => res.status).sort()).toEqual([200, 409]);
      expect(responses.find((res) => res.status === 409)!.body).toMatchObject({ code: 'INVALID_TRANSITION' });
      expect(await stockOf(product.id)).toBe(stock + 2);
      expect(await statusesOf(orderId)).toEqual(['pending', 'placed', 'cancelled']);
    });

    it.each<[string, Array<Exclude<OrderStatus, 'pending'>>]>([
      ['failed', ['failed']],
      ['shipped', ['placed', 'shipped']],
      ['delivered', ['placed', 'shipped', 'delivered']],
    ])('a %s order is 409 INVALID_TRANSITION and unchanged', async (_label, path) => {
      const { user } = await given.userWithCart();
      const orderId = await given.checkoutOk(user);
      for (const to of path) {
        if (to === 'placed') await place(orderId);
        else if (to === 'failed') await moveOrder(orderId, to, { failure: { reason: 'OUT_OF_STOCK', details: { products: [] } } });
        else await moveOrder(orderId, to);
      }
      const before = await snapshot();
      const res = await api.cancel(user, orderId);
      expectError(res, 409, 'INVALID_TRANSITION');
      expect(await snapshot()).toEqual(before);
      expect((await api.getOrder(user, orderId)).body).toMatchObject({ status: path[path.length - 1] });
    });

    it("another user's order is 404 ORDER_NOT_FOUND and stays as it was", async () => {
      const { user } = await given.userWithCart();
      const orderId = await given.checkoutOk(user);
      const intruder = newUser();
      const before = await snapshot();
      const stolen = await api.cancel(intruder, orderId);
      expectError(stolen, 404, 'ORDER_NOT_FOUND');
      expect(stolen.body).toEqual((await api.cancel(intruder, randomUUID())).body);
      expect(await snapshot()).toEqual(before);
      expect((await api.getOrder(user, orderId)).body).toMatchObject({ status: 'pending' });
    });

    it('a non-UUID id is 404 ORDER_NOT_FOUND', async () => {
      const before = await snapshot();
      expectError(await api.cancel(newUser(), 'not-a-uuid'), 404, 'ORDER_NOT_FOUND');
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('history, ML events and the worker arriving afterwards', () => {
    it('cancels a pending order: nothing was sold, so no stock moves and the cart stays; history and an order.cancelled event with previous_status pending', async () => {
      const customer = newUser('customer');
      const product = await given.product({ seller_id: null, stock: 10 });
      const orderId = await given.pendingOrder(customer, [[product, 3]]);

      const res = await api.cancel(customer, orderId);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        order_id: orderId,
        status: 'cancelled',
        items: [],
        total_price: null,
        items_count: null,
        status_history: [
          { status: 'pending', at: expect.stringMatching(ISO_UTC) },
          { status: 'cancelled', at: expect.stringMatching(ISO_UTC) },
        ],
      });
      expect(await stockOf(product.id)).toBe(10);
      expect(await t.sql('SELECT product_id, quantity FROM cart_items WHERE user_id = $1', [customer.id])).toEqual([
        { product_id: product.id, quantity: 3 },
      ]);
      expect(await historyOf(orderId)).toEqual([
        { status: 'pending', actor: `customer:${customer.id}` },
        { status: 'cancelled', actor: `customer:${customer.id}` },
      ]);
      expect(await orderEventsOf(orderId)).toEqual([
        {
          type: 'order.cancelled',
          user_id: customer.id,
          data: { order_id: orderId, previous_status: 'pending', total_price: null, items_count: null },
        },
      ]);
      // the worker arriving afterwards leaves it cancelled and takes no stock
      expect(await placeOrder(t.app.db, orderId)).toEqual({ status: 'skipped', current: 'cancelled' });
      expect(await stockOf(product.id)).toBe(10);
    });

    it('cancels a placed order and gives each line its stock back exactly once; a second cancel is 409 INVALID_TRANSITION', async () => {
      const { customer, orderId, stocks } = await placedTwoLineOrder((_user, id) => place(id));
      await expectCancelledWithStockBack(customer, orderId, stocks);
      expect(await historyOf(orderId)).toEqual([
        { status: 'pending', actor: `customer:${customer.id}` },
        { status: 'placed', actor: 'worker' },
        { status: 'cancelled', actor: `customer:${customer.id}` },
      ]);
      const events = await orderEventsOf(orderId);
      expect(events.map((event) => event.type)).toEqual(['order.placed', 'order.cancelled']);
      expect(events[1]).toEqual({
        type: 'order.cancelled',
        user_id: customer.id,
        data: { order_id: orderId, previous_status: 'placed', total_price: '43.00', items_count: 7 },
      });

      const before = await orderState(orderId);
      const again = await api.cancel(customer, orderId);
      expectError(again, 409, 'INVALID_TRANSITION');
      expect(again.body).toMatchObject({ current_status: 'cancelled' });
      expect(await orderState(orderId)).toEqual(before);
      expect(await stocks()).toEqual([10, 4]);
    });

    it.each<OrderStatus>(['failed', 'shipped', 'delivered', 'cancelled'])(
      'a %s order is 409 INVALID_TRANSITION and stays exactly as it was',
      async (status) => {
        const { customer, orderId } = await orderIn(status);
        const before = await orderState(orderId);
        const res = await api.cancel(customer, orderId);
        expectError(res, 409, 'INVALID_TRANSITION');
        expect(res.body).toMatchObject({ current_status: status });
        expect(await orderState(orderId)).toEqual(before);
        expect(await statusOf(orderId)).toBe(status);
      },
    );
  });
});
