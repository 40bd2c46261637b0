import { lifecycleFor } from '../support/order-lifecycle';
import { randomUUID } from 'node:crypto';
import { admin, ANONYMOUS, newUser } from '../support/actors';
import { expectError, ISO_UTC, timed } from '../support/expectations';
import { givenFor } from '../support/given';
import { dbFor } from '../support/db';
import { ORDER_FIELDS } from '../support/rows';
import { CHECKOUT_BODY, routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

describe('reading an order: GET /api/orders/:id', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { snapshot, moveOrder } = dbFor(t);
  const { place } = lifecycleFor(t);

  it('the owner sees the pending order in the contract shape, with Retry-After', async () => {
    const { user } = await given.userWithCart();
    const orderId = await given.checkoutOk(user);
    const res = await api.getOrder(user, orderId);

    expect(res.status).toBe(200);
    expect(String(res.headers['retry-after'])).toMatch(/^[1-9][0-9]*$/);
    const order = res.body;
    expect(Object.keys(order).sort()).toEqual([...ORDER_FIELDS, 'status_history'].sort());
    expect(order).toEqual({
      order_id: orderId,
      status: 'pending',
      failure_reason: null,
      failure_details: null,
      contact: CHECKOUT_BODY.contact,
      address: CHECKOUT_BODY.address,
      total_price: null,
      items_count: null,
      items: [],
      created_at: expect.stringMatching(ISO_UTC),
      updated_at: expect.stringMatching(ISO_UTC),
      status_history: [{ status: 'pending', at: expect.stringMatching(ISO_UTC) }],
    });
    const [row] = await t.sql<{ created_at: Date }>('SELECT created_at FROM orders WHERE id = $1', [orderId]);
    expect(order.created_at).toBe(row!.created_at.toISOString());
  });

  it('a placed order shows its item snapshot, total and history, and has no Retry-After', async () => {
    const user = newUser();
    const mug = await given.product({ price: '19.99', stock: 10, name: 'Blue mug' });
    const pen = await given.product({ price: '0.10', stock: 100, name: 'Pen' });
    await given.cart(user, mug.id, 2);
    await given.cart(user, pen.id, 3);
    const orderId = await given.checkoutOk(user);
    await place(orderId);
    // the snapshot keeps the price it was sold at
    expect((await api.patchProduct(admin(), mug.id, { price: '25.00' })).status).toBe(200);

    const res = await api.getOrder(user, orderId);
    expect(res.status).toBe(200);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.body).toMatchObject({
      order_id: orderId,
      status: 'placed',
      total_price: '40.28',
      items_count: 5,
      items: expect.arrayContaining([
        { product_id: mug.id, name: 'Blue mug', unit_price: '19.99', quantity: 2, line_total: '39.98' },
        { product_id: pen.id, name: 'Pen', unit_price: '0.10', quantity: 3, line_total: '0.30' },
      ]),
      status_history: [
        { status: 'pending', at: expect.stringMatching(ISO_UTC) },
        { status: 'placed', at: expect.stringMatching(ISO_UTC) },
      ],
    });
    expect(res.body.items).toHaveLength(2);
  });

  it('a failed order shows failure_reason and failure_details, and has no Retry-After', async () => {
    const { user, product } = await given.userWithCart();
    const orderId = await given.checkoutOk(user);
    const details = { products: [{ product_id: product.id, requested: 1, available: 0 }] };
    await moveOrder(orderId, 'failed', { failure: { reason: 'OUT_OF_STOCK', details } });

    const res = await api.getOrder(user, orderId);
    expect(res.status).toBe(200);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.body).toMatchObject({
      status: 'failed',
      failure_reason: 'OUT_OF_STOCK',
      failure_details: details,
      total_price: null,
      items: [],
      status_history: [{ status: 'pending' }, { status: 'failed' }],
    });
  });

  it("another user's order is 404 ORDER_NOT_FOUND, with the same body as an unknown id", async () => {
    const { user } = await given.userWithCart();
    const orderId = await given.checkoutOk(user);
    const intruder = newUser();
    const stolen = await api.getOrder(intruder, orderId);
    const unknown = await api.getOrder(intruder, randomUUID());
    expectError(stolen, 404, 'ORDER_NOT_FOUND');
    expect(stolen.body).toEqual(unknown.body);
    expect(stolen.headers['retry-after']).toBeUndefined();
    // long-polling someone else's order does not hold the answer either
    const { result, ms } = await timed(() => api.getOrder(intruder, orderId, '?wait=5'));
    expectError(result, 404, 'ORDER_NOT_FOUND');
    expect(ms).toBeLessThan(1_000);
  });

  it.each(['not-a-uuid', '12345', 'urn:uuid:00000000-0000-4000-8000-000000000000', `${'a'.repeat(300)}`])(
    'a non-UUID id %s is 404 ORDER_NOT_FOUND',
    async (id) => {
      expectError(await api.getOrder(newUser(), encodeURIComponent(id)), 404, 'ORDER_NOT_FOUND');
    },
  );

  it('an upper-case spelling of the id finds the same order', async () => {
    const { user } = await given.userWithCart();
    const orderId = await given.checkoutOk(user);
    const res = await api.getOrder(user, orderId.toUpperCase());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ order_id: orderId, status: 'pending' });
  });

  it('without a token every order route is 401 UNAUTHORIZED', async () => {
    const { user } = await given.userWithCart();
    const orderId = await given.checkoutOk(user);
    const before = await snapshot();
    const answers = [
      await api.getOrder(ANONYMOUS, orderId),
      await api.getOrder(ANONYMOUS, orderId, '?wait=5'),
      await api.listOrders(ANONYMOUS),
      await api.cancel(ANONYMOUS, orderId),
    ];
    for (const res of answers) expectError(res, 401, 'UNAUTHORIZED');
    expect(await snapshot()).toEqual(before);
  });
});
