import { randomUUID } from 'node:crypto';
import { ORDER_STATUSES, type OrderStatus } from '../../shared/domain/order-status';
import { placeOrder } from '../../shared/placement/place-order';
import { ANONYMOUS, newSeller, newUser } from '../support/actors';
import { expectError } from '../support/expectations';
import { givenFor } from '../support/given';
import { dbFor, walkOrders } from '../support/db';
import { ADMIN, byProduct, ILLEGAL_MOVES, lifecycleFor } from '../support/order-lifecycle';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

describe('admins see every order and move it along the state machine', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { stockOf, historyOf, orderEventsOf, orderState, newestFirst } = dbFor(t);
  const { placedOrder, orderIn, adminMove } = lifecycleFor(t);

  describe('admin: GET /api/admin/orders', () => {
    it("sees every user's orders newest first, walks them with limit and cursor, and ?status= keeps one status", async () => {
      const alice = newUser('customer');
      const bob = newUser('customer');
      const product = await given.product({ seller_id: null, stock: 100 });
      const mine = [
        await placedOrder(alice, [[product, 1]]),
        await placedOrder(bob, [[product, 2]]),
        (await orderIn('failed')).orderId,
        (await orderIn('shipped')).orderId,
        await given.pendingOrder(alice, [[product, 1]]),
      ];

      const everything = await newestFirst('true');
      const first = await api.adminOrders(ADMIN, '?limit=100');
      expect(first.status).toBe(200);
      expect(first.body.orders.map((order) => order.order_id)).toEqual(everything.slice(0, 100));
      for (const id of mine) expect(everything).toContain(id);

      const paged = await walkOrders((query) => api.adminOrders(ADMIN, query), 'limit=3');
      expect(paged.ids).toEqual(everything);
      expect(paged.pages.slice(0, -1).every((p) => p.length === 3)).toBe(true);

      for (const status of ORDER_STATUSES) {
        const filtered = await walkOrders((query) => api.adminOrders(ADMIN, query), `status=${status}&limit=4`);
        expect(filtered.ids).toEqual(await newestFirst('status = $1', [status]));
        for (const order of filtered.pages.flat()) expect(order.status).toBe(status);
      }
      // the whole order, not one seller's share
      const alicePlaced = first.body.orders.find((order) => order.order_id === mine[0]);
      expect(alicePlaced).toMatchObject({ status: 'placed', total_price: '10.00', items_count: 1 });
      expectError(await api.adminOrders(ADMIN, '?status=lost'), 400, 'VALIDATION_ERROR');
    });
  });

  describe('admin: PATCH /api/admin/orders/:id', () => {
    it('pending → cancelled: no stock moves, the cart stays, history and an order.cancelled event', async () => {
      const customer = newUser('customer');
      const product = await given.product({ seller_id: null, stock: 10 });
      const orderId = await given.pendingOrder(customer, [[product, 4]]);
      const order = await adminMove(orderId, 'cancelled');
      expect(order).toMatchObject({ items: [], total_price: null, status_history: [{ status: 'pending' }, { status: 'cancelled' }] });
      expect(await stockOf(product.id)).toBe(10);
      expect(await t.sql('SELECT quantity FROM cart_items WHERE user_id = $1', [customer.id])).toEqual([{ quantity: 4 }]);
      expect((await historyOf(orderId)).at(-1)).toEqual({ status: 'cancelled', actor: 'admin:admin1' });
      expect(await orderEventsOf(orderId)).toEqual([
        {
          type: 'order.cancelled',
          user_id: customer.id,
          data: { order_id: orderId, previous_status: 'pending', total_price: null, items_count: null },
        },
      ]);
    });

    it("pending → failed: failure_reason REJECTED, no stock moves, the cart stays and is unlocked, an order.failed event", async () => {
      const customer = newUser('customer');
      const product = await given.product({ seller_id: null, stock: 10 });
      const orderId = await given.pendingOrder(customer, [[product, 4]]);
      const order = await adminMove(orderId, 'failed');
      expect(order).toMatchObject({ failure_reason: 'REJECTED', items: [], total_price: null });
      expect(await stockOf(product.id)).toBe(10);
      expect((await historyOf(orderId)).at(-1)).toEqual({ status: 'failed', actor: 'admin:admin1' });
      expect(await orderEventsOf(orderId)).toEqual([
        { type: 'order.failed', user_id: customer.id, data: { order_id: orderId, failure_reason: 'REJECTED', products: [] } },
      ]);
      // no longer pending: the cart can change again
      const patched = await api.addToCart(customer, { product_id: product.id, quantity: 1 });
      expect(patched.status).toBe(200);
    });

    it('pending → placed runs the real placement: stock taken, items and totals written, the cart cleared, an order.placed event', async () => {
      const customer = newUser('customer');
      const a = await given.product({ seller_id: 'seller-x', stock: 10, price: '2.25' });
      const b = await given.product({ seller_id: null, stock: 3, price: '10.00' });
      const orderId = await given.pendingOrder(customer, [
        [a, 4],
        [b, 3],
      ]);
      const order = await adminMove(orderId, 'placed');
      expect(order).toMatchObject({ total_price: '39.00', items_count: 7, failure_reason: null });
      expect([...order.items].sort(byProduct)).toEqual(
        [
          { product_id: a.id, name: a.name, unit_price: '2.25', quantity: 4, line_total: '9.00' },
          { product_id: b.id, name: b.name, unit_price: '10.00', quantity: 3, line_total: '30.00' },
        ].sort(byProduct),
      );
      expect([await stockOf(a.id), await stockOf(b.id)]).toEqual([6, 0]);
      expect(await t.sql('SELECT seller_id FROM order_items WHERE order_id = $1 ORDER BY seller_id NULLS LAST', [orderId])).toEqual([
        { seller_id: 'seller-x' },
        { seller_id: null },
      ]);
      expect(await t.sql('SELECT * FROM cart_items WHERE user_id = $1', [customer.id])).toEqual([]);
      expect((await historyOf(orderId)).map((row) => row.status)).toEqual(['pending', 'placed']);
      const events = await orderEventsOf(orderId);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'order.placed', data: { order_id: orderId, total_price: '39.00', items_count: 7 } });

      // the worker arriving afterwards places nothing twice
      expect(await placeOrder(t.app.db, orderId)).toEqual({ status: 'skipped', current: 'placed' });
      expect([await stockOf(a.id), await stockOf(b.id)]).toEqual([6, 0]);
    });

    it('placed → shipped → delivered, with history and order.shipped / order.delivered events; stock stays sold', async () => {
      const { customer, product, orderId } = await orderIn('placed', 3);
      await adminMove(orderId, 'shipped');
      const delivered = await adminMove(orderId, 'delivered');
      expect(delivered.status_history!.map((row) => row.status)).toEqual(['pending', 'placed', 'shipped', 'delivered']);
      expect((await historyOf(orderId)).slice(2)).toEqual([
        { status: 'shipped', actor: 'admin:admin1' },
        { status: 'delivered', actor: 'admin:admin1' },
      ]);
      expect((await orderEventsOf(orderId)).slice(1)).toEqual([
        { type: 'order.shipped', user_id: customer.id, data: { order_id: orderId } },
        { type: 'order.delivered', user_id: customer.id, data: { order_id: orderId } },
      ]);
      expect(await stockOf(product.id)).toBe(17);
    });

    it('placed → cancelled gives the stock back once, with an order.cancelled event naming previous_status placed', async () => {
      const { customer, product, orderId } = await orderIn('placed', 3);
      expect(await stockOf(product.id)).toBe(17);
      const order = await adminMove(orderId, 'cancelled');
      expect(order).toMatchObject({ total_price: '30.00', items_count: 3 });
      expect(await stockOf(product.id)).toBe(20);
      expect((await orderEventsOf(orderId)).at(-1)).toEqual({
        type: 'order.cancelled',
        user_id: customer.id,
        data: { order_id: orderId, previous_status: 'placed', total_price: '30.00', items_count: 3 },
      });
      expectError(await api.adminPatchOrder(ADMIN, orderId, { status: 'cancelled' }), 409, 'INVALID_TRANSITION');
      expect(await stockOf(product.id)).toBe(20);
    });

    it.each(ILLEGAL_MOVES)('%s → %s is 409 INVALID_TRANSITION and changes nothing', async (from, to) => {
      const { orderId } = await orderIn(from);
      const before = await orderState(orderId);
      const res = await api.adminPatchOrder(ADMIN, orderId, { status: to });
      expectError(res, 409, 'INVALID_TRANSITION');
      expect(res.body).toMatchObject({ current_status: from });
      expect(await orderState(orderId)).toEqual(before);
    });

    it.each<[string, unknown]>([
      ['an unknown status', { status: 'lost' }],
      ['an upper-case status', { status: 'SHIPPED' }],
      ['a number as status', { status: 3 }],
      ['a null status', { status: null }],
      ['an extra property', { status: 'shipped', reason: 'because' }],
      ['a missing status', {}],
      ['an array', [{ status: 'shipped' }]],
    ])('%s in the body is 400 VALIDATION_ERROR and changes nothing', async (_label, payload) => {
      const { orderId } = await orderIn('placed');
      const before = await orderState(orderId);
      expectError(await api.adminPatchOrder(ADMIN, orderId, payload), 400, 'VALIDATION_ERROR');
      expect(await orderState(orderId)).toEqual(before);
    });

    it('no body at all is 400 VALIDATION_ERROR', async () => {
      const { orderId } = await orderIn('placed');
      const before = await orderState(orderId);
      const res = await t.api.request('PATCH', `/api/admin/orders/${orderId}`, { token: ADMIN.token });
      expectError(res, 400, 'VALIDATION_ERROR');
      expect(await orderState(orderId)).toEqual(before);
    });

    it.each<OrderStatus>(['placed', 'shipped', 'cancelled', 'failed'])(
      'an unknown or non-UUID id is 404 ORDER_NOT_FOUND (moving to %s)',
      async (status) => {
        expectError(await api.adminPatchOrder(ADMIN, randomUUID(), { status }), 404, 'ORDER_NOT_FOUND');
        expectError(await api.adminPatchOrder(ADMIN, 'not-a-uuid', { status }), 404, 'ORDER_NOT_FOUND');
      },
    );

    it('customer and seller tokens are 403 FORBIDDEN, no token is 401, and the order is unchanged', async () => {
      const { customer, orderId } = await orderIn('placed');
      const before = await orderState(orderId);
      for (const party of [customer, newUser('customer'), newSeller()]) {
        expectError(await api.adminPatchOrder(party, orderId, { status: 'shipped' }), 403, 'FORBIDDEN');
        expectError(await api.adminPatchOrder(party, orderId, { status: 'cancelled' }), 403, 'FORBIDDEN');
        expectError(await api.adminOrders(party), 403, 'FORBIDDEN');
      }
      expectError(await api.adminPatchOrder(ANONYMOUS, orderId, { status: 'shipped' }), 401, 'UNAUTHORIZED');
      expectError(await api.adminOrders(ANONYMOUS), 401, 'UNAUTHORIZED');
      expect(await orderState(orderId)).toEqual(before);
    });
  });
});
