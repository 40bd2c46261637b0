import { randomUUID } from 'node:crypto';
import { ANONYMOUS, newSeller, newUser } from '../support/actors';
import { expectError } from '../support/expectations';
import { givenFor } from '../support/given';
import { dbFor, walkOrders } from '../support/db';
import { ADMIN, byProduct, lifecycleFor } from '../support/order-lifecycle';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';
import type { ProductJson } from '../support/rows';

type Line = [ProductJson, number];

/** A string PostgreSQL would accept as a uuid (so the order's rows can be read for it). */
function isUuidLike(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

describe('sellers see and move the orders of their products', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { stockOf, statusOf, historyOf, orderEventsOf, orderState, newestFirst } = dbFor(t);
  const { placedOrder } = lifecycleFor(t);

  describe('seller: GET /api/seller/orders', () => {
    it("lists only the orders with the seller's products, each with only that seller's lines and their total and count", async () => {
      const s1 = newSeller();
      const s2 = newSeller();
      const a = await given.product({ seller_id: s1.id, stock: 50, price: '10.00' });
      const a2 = await given.product({ seller_id: s1.id, stock: 50, price: '2.50' });
      const b = await given.product({ seller_id: s2.id, stock: 50, price: '7.00' });
      const loose = await given.product({ seller_id: null, stock: 50, price: '1.00' });

      const onlyMine = await placedOrder(newUser('customer'), [[a, 2]]);
      const mixed = await placedOrder(newUser('customer'), [
        [a, 1],
        [a2, 3],
        [b, 4],
        [loose, 5],
      ]);
      const notMine = await placedOrder(newUser('customer'), [[b, 1]]);
      await given.pendingOrder(newUser('customer'), [[a, 1]]);

      const res = await api.sellerOrders(s1);
      expect(res.status).toBe(200);
      const page = res.body;
      expect(page.next_cursor).toBeNull();
      expect(page.orders.map((order) => order.order_id)).toEqual(await newestFirst('id = ANY($1)', [[onlyMine, mixed]]));
      const mixedForS1 = page.orders.find((order) => order.order_id === mixed)!;
      expect(mixedForS1).toMatchObject({ status: 'placed', total_price: '17.50', items_count: 4 });
      expect([...mixedForS1.items].sort(byProduct)).toEqual(
        [
          { product_id: a.id, name: a.name, unit_price: '10.00', quantity: 1, line_total: '10.00' },
          { product_id: a2.id, name: a2.name, unit_price: '2.50', quantity: 3, line_total: '7.50' },
        ].sort(byProduct),
      );
      expect(page.orders.find((order) => order.order_id === onlyMine)).toMatchObject({
        total_price: '20.00',
        items_count: 2,
        items: [{ product_id: a.id, quantity: 2, line_total: '20.00' }],
      });

      const forS2 = (await api.sellerOrders(s2)).body;
      expect(forS2.orders.map((order) => order.order_id)).toEqual(await newestFirst('id = ANY($1)', [[mixed, notMine]]));
      expect(forS2.orders.find((order) => order.order_id === mixed)).toMatchObject({
        total_price: '28.00',
        items_count: 4,
        items: [{ product_id: b.id, quantity: 4, line_total: '28.00' }],
      });
      expect(forS2.orders.find((order) => order.order_id === notMine)).toMatchObject({ total_price: '7.00', items_count: 1 });

      // the customer still sees the whole order
      const whole = await t.sql<{ total_price: string; items_count: number }>('SELECT total_price, items_count FROM orders WHERE id = $1', [
        mixed,
      ]);
      expect(whole).toEqual([{ total_price: '50.50', items_count: 13 }]);

      // a seller with no sales sees nothing
      expect((await api.sellerOrders(newSeller())).body).toEqual({ orders: [], next_cursor: null });
    });

    it('walks every order exactly once with limit and cursor, and ?status= keeps one status (also across pages)', async () => {
      const seller = newSeller();
      const product = await given.product({ seller_id: seller.id, stock: 100 });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await placedOrder(newUser('customer'), [[product, 1]]));
      for (const id of ids.slice(0, 2)) expect((await api.sellerMove(seller, id, 'ship')).status).toBe(200);
      expect((await api.sellerMove(seller, ids[0]!, 'deliver')).status).toBe(200);

      const all = await walkOrders((query) => api.sellerOrders(seller, query), 'limit=2');
      expect(all.pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(all.ids).toEqual(await newestFirst('id = ANY($1)', [ids]));

      const placed = await walkOrders((query) => api.sellerOrders(seller, query), 'status=placed&limit=2');
      expect(placed.pages.map((p) => p.length)).toEqual([2, 1]);
      expect(placed.ids).toEqual(await newestFirst('id = ANY($1)', [ids.slice(2)]));
      for (const order of placed.pages.flat()) expect(order.status).toBe('placed');

      expect((await walkOrders((query) => api.sellerOrders(seller, query), 'status=shipped&limit=1')).ids).toEqual([ids[1]]);
      expect((await walkOrders((query) => api.sellerOrders(seller, query), 'status=delivered')).ids).toEqual([ids[0]]);
      expect((await walkOrders((query) => api.sellerOrders(seller, query), 'status=pending')).ids).toEqual([]);
      expectError(await api.sellerOrders(seller, '?status=lost'), 400, 'VALIDATION_ERROR');
      expectError(await api.sellerOrders(seller, '?cursor=not-a-cursor'), 400, 'VALIDATION_ERROR');
    });
  });

  describe('seller: POST /api/seller/orders/:id/ship and /deliver', () => {
    it("moves an order whose every line is the seller's placed → shipped → delivered, with history rows and order.shipped / order.delivered events", async () => {
      const seller = newSeller();
      const a = await given.product({ seller_id: seller.id, stock: 10, price: '3.00' });
      const b = await given.product({ seller_id: seller.id, stock: 10, price: '4.00' });
      const customer = newUser('customer');
      const orderId = await placedOrder(customer, [
        [a, 1],
        [b, 2],
      ]);

      const shipped = await api.sellerMove(seller, orderId, 'ship');
      expect(shipped.status).toBe(200);
      expect(shipped.body).toMatchObject({
        order_id: orderId,
        status: 'shipped',
        total_price: '11.00',
        items_count: 3,
        status_history: [{ status: 'pending' }, { status: 'placed' }, { status: 'shipped' }],
      });
      expect(await statusOf(orderId)).toBe('shipped');

      const delivered = await api.sellerMove(seller, orderId, 'deliver');
      expect(delivered.status).toBe(200);
      expect(delivered.body).toMatchObject({
        status: 'delivered',
        status_history: [{ status: 'pending' }, { status: 'placed' }, { status: 'shipped' }, { status: 'delivered' }],
      });
      expect(await historyOf(orderId)).toEqual([
        { status: 'pending', actor: `customer:${customer.id}` },
        { status: 'placed', actor: 'worker' },
        { status: 'shipped', actor: `seller:${seller.id}` },
        { status: 'delivered', actor: `seller:${seller.id}` },
      ]);
      const events = await orderEventsOf(orderId);
      expect(events.map((event) => event.type)).toEqual(['order.placed', 'order.shipped', 'order.delivered']);
      expect(events.slice(1)).toEqual([
        { type: 'order.shipped', user_id: customer.id, data: { order_id: orderId } },
        { type: 'order.delivered', user_id: customer.id, data: { order_id: orderId } },
      ]);
      // shipping and delivering do not touch stock
      expect([await stockOf(a.id), await stockOf(b.id)]).toEqual([9, 8]);
      // the customer sees the same story
      expect((await api.getOrder(customer, orderId)).body).toMatchObject({ status: 'delivered' });
    });

    it.each<[string, (mine: ProductJson, theirs: ProductJson, unowned: ProductJson) => Line[]]>([
      ['lines of two sellers', (mine, theirs) => [[mine, 1], [theirs, 1]]],
      ['a line of the seller and a line with no seller', (mine, _theirs, unowned) => [[mine, 1], [unowned, 1]]],
    ])('an order with %s is 403 FORBIDDEN to ship or deliver and stays unchanged', async (_label, lines) => {
      const s1 = newSeller();
      const s2 = newSeller();
      const mine = await given.product({ seller_id: s1.id });
      const theirs = await given.product({ seller_id: s2.id });
      const unowned = await given.product({ seller_id: null });
      const orderId = await placedOrder(newUser('customer'), lines(mine, theirs, unowned));
      const before = await orderState(orderId);

      for (const seller of [s1, s2]) {
        const owns = lines(mine, theirs, unowned).some(([product]) => product.seller_id === seller.id);
        for (const action of ['ship', 'deliver'] as const) {
          const res = await api.sellerMove(seller, orderId, action);
          if (owns) expectError(res, 403, 'FORBIDDEN');
          else expectError(res, 404, 'ORDER_NOT_FOUND');
        }
      }
      expect(await orderState(orderId)).toEqual(before);
      expect(await statusOf(orderId)).toBe('placed');
    });

    it('an order with none of the seller\'s lines, a pending order (no items yet), an unknown and a non-UUID id are all 404 ORDER_NOT_FOUND', async () => {
      const seller = newSeller();
      const other = newSeller();
      const mine = await given.product({ seller_id: seller.id });
      const theirs = await given.product({ seller_id: other.id });
      const notMine = await placedOrder(newUser('customer'), [[theirs, 1]]);
      const pending = await given.pendingOrder(newUser('customer'), [[mine, 1]]);
      const unknownBody = (await api.sellerMove(seller, randomUUID(), 'ship')).body;

      for (const id of [notMine, pending, randomUUID(), 'not-a-uuid', '12345']) {
        const before = isUuidLike(id) ? await orderState(id) : null;
        for (const action of ['ship', 'deliver'] as const) {
          const res = await api.sellerMove(seller, id, action);
          expectError(res, 404, 'ORDER_NOT_FOUND');
          expect(res.body).toEqual(unknownBody);
        }
        if (before) expect(await orderState(id)).toEqual(before);
      }
      expect(await statusOf(notMine)).toBe('placed');
      expect(await statusOf(pending)).toBe('pending');
    });

    it('shipping twice and delivering before shipping are 409 INVALID_TRANSITION; a delivered order cannot be shipped or delivered again', async () => {
      const seller = newSeller();
      const product = await given.product({ seller_id: seller.id });
      const orderId = await placedOrder(newUser('customer'), [[product, 1]]);

      let before = await orderState(orderId);
      const early = await api.sellerMove(seller, orderId, 'deliver');
      expectError(early, 409, 'INVALID_TRANSITION');
      expect(early.body).toMatchObject({ current_status: 'placed' });
      expect(await orderState(orderId)).toEqual(before);

      expect((await api.sellerMove(seller, orderId, 'ship')).status).toBe(200);
      before = await orderState(orderId);
      const twice = await api.sellerMove(seller, orderId, 'ship');
      expectError(twice, 409, 'INVALID_TRANSITION');
      expect(twice.body).toMatchObject({ current_status: 'shipped' });
      expect(await orderState(orderId)).toEqual(before);

      expect((await api.sellerMove(seller, orderId, 'deliver')).status).toBe(200);
      before = await orderState(orderId);
      for (const action of ['ship', 'deliver'] as const) expectError(await api.sellerMove(seller, orderId, action), 409, 'INVALID_TRANSITION');
      expect(await orderState(orderId)).toEqual(before);
    });

    it('a cancelled order of the seller cannot be shipped (409 INVALID_TRANSITION), and its stock stays given back', async () => {
      const seller = newSeller();
      const product = await given.product({ seller_id: seller.id, stock: 5 });
      const customer = newUser('customer');
      const orderId = await placedOrder(customer, [[product, 2]]);
      expect((await api.cancel(customer, orderId)).status).toBe(200);
      const before = await orderState(orderId);
      expectError(await api.sellerMove(seller, orderId, 'ship'), 409, 'INVALID_TRANSITION');
      expect(await orderState(orderId)).toEqual(before);
      expect(await stockOf(product.id)).toBe(5);
    });

    it('customer and admin tokens are 403 FORBIDDEN on every seller route; no token is 401', async () => {
      const seller = newSeller();
      const product = await given.product({ seller_id: seller.id });
      const customer = newUser('customer');
      const orderId = await placedOrder(customer, [[product, 1]]);
      const before = await orderState(orderId);

      for (const party of [customer, newUser('customer'), ADMIN]) {
        expectError(await api.sellerOrders(party), 403, 'FORBIDDEN');
        expectError(await api.sellerMove(party, orderId, 'ship'), 403, 'FORBIDDEN');
        expectError(await api.sellerMove(party, orderId, 'deliver'), 403, 'FORBIDDEN');
      }
      expectError(await api.sellerOrders(ANONYMOUS), 401, 'UNAUTHORIZED');
      expectError(await api.sellerMove(ANONYMOUS, orderId, 'ship'), 401, 'UNAUTHORIZED');
      expect(await orderState(orderId)).toEqual(before);
    });
  });
});
