import { randomUUID } from 'node:crypto';
import { newSeller, newUser, type Actor } from '../support/actors';
import { expectError } from '../support/expectations';
import { givenFor } from '../support/given';
import { dbFor } from '../support/db';
import { ADMIN, lifecycleFor } from '../support/order-lifecycle';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

describe('authorization sweep: nobody reaches an order that is not theirs', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { orderState } = dbFor(t);
  const { placedOrder } = lifecycleFor(t);

  it("another user's order is 404 on every /api/orders route, exactly like an unknown id, and another seller's order is 404 on every seller route", async () => {
    const s1 = newSeller();
    const s2 = newSeller();
    const product = await given.product({ seller_id: s1.id, stock: 10 });
    const alice = newUser('customer');
    const bob = newUser('customer');
    const orderId = await placedOrder(alice, [[product, 2]]);
    const before = await orderState(orderId);
    const unknown = randomUUID();

    // a customer, a seller whose product is in the order, and an admin: none of them owns it as a customer
    for (const intruder of [bob, s1, ADMIN]) {
      for (const [method, url] of [
        ['GET', `/api/orders/${orderId}`],
        ['GET', `/api/orders/${orderId}?wait=1`],
        ['POST', `/api/orders/${orderId}/cancel`],
      ] as const) {
        const res = await t.api.request(method, url, { token: intruder.token });
        expectError(res, 404, 'ORDER_NOT_FOUND');
        const missing = await t.api.request(method, url.replace(orderId, unknown), { token: intruder.token });
        expect(res.body).toEqual(missing.body);
      }
      const list = await api.listOrders(intruder);
      expect(list.status).toBe(200);
      expect(list.body.orders.map((order) => order.order_id)).not.toContain(orderId);
    }

    for (const action of ['ship', 'deliver'] as const) {
      const res = await api.sellerMove(s2, orderId, action);
      expectError(res, 404, 'ORDER_NOT_FOUND');
      expect(res.body).toEqual((await api.sellerMove(s2, unknown, action)).body);
    }
    expect((await api.sellerOrders(s2)).body.orders.map((order) => order.order_id)).not.toContain(orderId);

    expect(await orderState(orderId)).toEqual(before);
    expect((await api.getOrder(alice, orderId)).body).toMatchObject({ status: 'placed' });
  });

  it('the wrong role is 403 FORBIDDEN on every /api/seller and /api/admin route, and no token is 401', async () => {
    const seller = newSeller();
    const product = await given.product({ seller_id: seller.id, stock: 10 });
    const alice = newUser('customer');
    const orderId = await placedOrder(alice, [[product, 1]]);
    const before = await orderState(orderId);
    const productBefore = await t.sql('SELECT * FROM products WHERE id = $1', [product.id]);
    const productCount = await t.sql('SELECT count(*)::int AS n FROM products');

    type Route = { method: 'GET' | 'POST' | 'PATCH'; url: string; payload?: object };
    const sellerRoutes: readonly Route[] = [
      { method: 'GET', url: '/api/seller/orders' },
      { method: 'POST', url: `/api/seller/orders/${orderId}/ship` },
      { method: 'POST', url: `/api/seller/orders/${orderId}/deliver` },
    ];
    const adminRoutes: readonly Route[] = [
      { method: 'GET', url: '/api/admin/orders' },
      { method: 'PATCH', url: `/api/admin/orders/${orderId}`, payload: { status: 'cancelled' } },
      { method: 'POST', url: '/api/admin/products', payload: { name: 'Stolen', price: '1.00', stock: 1 } },
      { method: 'PATCH', url: `/api/admin/products/${product.id}`, payload: { stock: 0 } },
    ];

    const sweep: Array<[Actor, readonly Route[]]> = [
      [alice, sellerRoutes],
      [ADMIN, sellerRoutes],
      [alice, adminRoutes],
      [seller, adminRoutes],
    ];
    for (const [party, routes] of sweep) {
      for (const route of routes) {
        const res = await t.api.request(route.method, route.url, { token: party.token, body: route.payload });
        expect({ who: party.id, ...route, statusCode: res.status }).toEqual({ who: party.id, ...route, statusCode: 403 });
        expectError(res, 403, 'FORBIDDEN');
      }
    }
    for (const route of [...sellerRoutes, ...adminRoutes]) {
      const res = await t.api.request(route.method, route.url, { body: route.payload });
      expectError(res, 401, 'UNAUTHORIZED');
    }

    expect(await orderState(orderId)).toEqual(before);
    expect(await t.sql('SELECT * FROM products WHERE id = $1', [product.id])).toEqual(productBefore);
    expect(await t.sql('SELECT count(*)::int AS n FROM products')).toEqual(productCount);
  });
});
