import { ANONYMOUS, newUser, type Actor } from '../support/actors';
import { expectError, UUID } from '../support/expectations';
import { givenFor } from '../support/given';
import { dbFor } from '../support/db';
import { CHECKOUT_BODY, routesFor } from '../support/routes';
import { useTestApp, useTestAppWithoutRedis } from '../support/test-app';

describe('accepting a checkout: POST /api/checkout answers 202 with a pending order, or refuses and creates nothing', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { snapshot } = dbFor(t);

  it('answers 202 with exactly order_id, status and status_url, a Location equal to status_url and a Retry-After', async () => {
    const { user, product } = await given.userWithCart(2);
    const res = await api.checkout(user, CHECKOUT_BODY, { 'x-request-id': 'req-checkout-202' });

    expect(res.status).toBe(202);
    const body = res.body;
    expect(body).toEqual({ order_id: expect.stringMatching(UUID), status: 'pending', status_url: `/api/orders/${body.order_id}` });
    expect(Object.keys(body).sort()).toEqual(['order_id', 'status', 'status_url']);
    expect(res.headers.location).toBe(body.status_url);
    expect(String(res.headers['retry-after'])).toMatch(/^[1-9][0-9]*$/);
    expect(res.headers['x-request-id']).toBe('req-checkout-202');

    // the order row (pending, not yet priced) and its first history row are committed before the 202
    const [order] = await t.sql('SELECT * FROM orders WHERE id = $1', [body.order_id]);
    expect(order).toMatchObject({
      id: body.order_id,
      user_id: user.id,
      status: 'pending',
      contact: CHECKOUT_BODY.contact,
      address: CHECKOUT_BODY.address,
      total_price: null,
      items_count: null,
      failure_reason: null,
      request_id: 'req-checkout-202',
    });
    const history = await t.sql('SELECT status, actor FROM order_status_history WHERE order_id = $1', [body.order_id]);
    expect(history).toEqual([{ status: 'pending', actor: `customer:${user.id}` }]);
    // nothing is copied by the API: no items yet, the cart is still there
    expect(await t.sql('SELECT * FROM order_items WHERE order_id = $1', [body.order_id])).toEqual([]);
    expect(await t.sql('SELECT product_id, quantity FROM cart_items WHERE user_id = $1', [user.id])).toEqual([
      { product_id: product.id, quantity: 2 },
    ]);
    expect(await t.sql('SELECT * FROM idempotency_keys WHERE order_id = $1', [body.order_id])).toEqual([]);

    const job = await t.app.checkoutQueue.getJob(body.order_id);
    expect(job).toBeDefined();
    expect(job!.id).toBe(body.order_id);
    expect(job!.data).toEqual({ orderId: body.order_id, userId: user.id, requestId: 'req-checkout-202' });
  });

  it('stores a generated request id in orders.request_id when the client sends none', async () => {
    const { user } = await given.userWithCart();
    const res = await api.checkout(user);
    expect(res.status).toBe(202);
    const orderId = res.body.order_id;
    const [order] = await t.sql<{ request_id: string }>('SELECT request_id FROM orders WHERE id = $1', [orderId]);
    expect(order!.request_id).toBe(res.headers['x-request-id']);
    expect((await t.app.checkoutQueue.getJob(orderId))!.data.requestId).toBe(order!.request_id);
  });

  it('an empty cart is 422 CART_EMPTY and creates no order, no key and no job', async () => {
    const user = newUser();
    const before = await snapshot();
    expectError(await api.checkout(user), 422, 'CART_EMPTY');
    expectError(await api.checkout(user, CHECKOUT_BODY, { 'idempotency-key': 'empty-cart-key' }), 422, 'CART_EMPTY');
    expect(await snapshot()).toEqual(before);

    // the refused key was not burnt: once the cart has a line, the same key checks out
    await given.cart(user, (await given.product()).id);
    const orderId = await given.checkoutOk(user, CHECKOUT_BODY, { 'idempotency-key': 'empty-cart-key' });
    expect(await t.sql('SELECT order_id FROM idempotency_keys WHERE user_id = $1', [user.id])).toEqual([{ order_id: orderId }]);
  });

  it('a cart emptied by deleting its last line is 422 CART_EMPTY', async () => {
    const user = newUser();
    const line = await given.cart(user, (await given.product()).id);
    expect((await api.deleteLine(user, line.id)).status).toBe(204);
    const before = await snapshot();
    expectError(await api.checkout(user), 422, 'CART_EMPTY');
    expect(await snapshot()).toEqual(before);
  });

  it.each<[string, Record<string, unknown>]>([
    ['contact 3 and address 5 characters', { contact: 'a@b', address: '1 St.' }],
    ['contact 200 and address 1000 characters', { contact: 'c'.repeat(200), address: 'a'.repeat(1000) }],
    ['an address over several lines', { contact: 'Bob', address: '1 Test Street\nTestville\r\n12345' }],
  ])('accepts the boundary body: %s', async (_label, body) => {
    const { user } = await given.userWithCart();
    const orderId = await given.checkoutOk(user, body);
    const [order] = await t.sql('SELECT contact, address FROM orders WHERE id = $1', [orderId]);
    expect(order).toEqual(body);
  });

  describe('rejects a bad request with 400 VALIDATION_ERROR and creates nothing', () => {
    let user: Actor;
    beforeEach(async () => {
      // a cart with a line, so that wrongly accepting the request would create an order
      ({ user } = await given.userWithCart());
    });

    it.each<[string, unknown]>([
      ['contact of 2 characters', { ...CHECKOUT_BODY, contact: 'ab' }],
      ['contact of 201 characters', { ...CHECKOUT_BODY, contact: 'c'.repeat(201) }],
      ['address of 4 characters', { ...CHECKOUT_BODY, address: '1 St' }],
      ['address of 1001 characters', { ...CHECKOUT_BODY, address: 'a'.repeat(1001) }],
      ['a number as contact', { ...CHECKOUT_BODY, contact: 12345 }],
      ['a number as address', { ...CHECKOUT_BODY, address: 123456 }],
      ['a null contact', { ...CHECKOUT_BODY, contact: null }],
      ['an array as address', { ...CHECKOUT_BODY, address: ['1 Test Street'] }],
      ['an unknown property', { ...CHECKOUT_BODY, gift_wrap: true }],
      ['a client-sent total', { ...CHECKOUT_BODY, total_price: '0.01' }],
      ['a missing contact', { address: CHECKOUT_BODY.address }],
      ['a missing address', { contact: CHECKOUT_BODY.contact }],
      ['an empty object', {}],
      ['a NUL character in contact', { ...CHECKOUT_BODY, contact: 'ali\u0000ce@example.com' }],
      ['a NUL character in address', { ...CHECKOUT_BODY, address: '1 Test\u0000 Street' }],
      ['a line break in contact', { ...CHECKOUT_BODY, contact: 'alice\n@example.com' }],
      ['a blank contact', { ...CHECKOUT_BODY, contact: '     ' }],
    ])('%s', async (_label, body) => {
      const before = await snapshot();
      expectError(await api.checkout(user, body), 400, 'VALIDATION_ERROR');
      expect(await snapshot()).toEqual(before);
    });

    it.each<[string, string]>([
      ['malformed JSON', `{"contact": "${CHECKOUT_BODY.contact}", "address": `],
      ['trailing garbage after JSON', `${JSON.stringify(CHECKOUT_BODY)} x`],
      ['a JSON array', `[${JSON.stringify(CHECKOUT_BODY)}]`],
      ['an empty body', ''],
    ])('%s', async (_label, raw) => {
      const before = await snapshot();
      const res = await t.api.request('POST', '/api/checkout', { token: user.token, raw });
      expectError(res, 400, 'VALIDATION_ERROR');
      expect(await snapshot()).toEqual(before);
    });

    it('no body at all', async () => {
      const before = await snapshot();
      expectError(await t.api.request('POST', '/api/checkout', { token: user.token }), 400, 'VALIDATION_ERROR');
      expect(await snapshot()).toEqual(before);
    });

    it.each<[string, string]>([
      ['of 256 characters', 'k'.repeat(256)],
      ['with a control character', 'key\u0001with-control'],
      ['with a tab', 'key\twith-tab'],
      ['that is empty', ''],
    ])('an Idempotency-Key %s', async (_label, key) => {
      const before = await snapshot();
      const res = await api.checkout(user, CHECKOUT_BODY, { 'idempotency-key': key });
      expectError(res, 400, 'VALIDATION_ERROR');
      expect(res.body.message).toMatch(/idempotency-key/);
      expect(await snapshot()).toEqual(before);
    });
  });

  it('an Idempotency-Key of exactly 255 printable characters is accepted and stored', async () => {
    const { user } = await given.userWithCart();
    const key = `${'k'.repeat(250)} ~!@#`;
    expect(key).toHaveLength(255);
    const orderId = await given.checkoutOk(user, CHECKOUT_BODY, { 'idempotency-key': key });
    expect(await t.sql('SELECT key, order_id FROM idempotency_keys WHERE user_id = $1', [user.id])).toEqual([{ key, order_id: orderId }]);
  });

  it('without a token is 401 and creates nothing', async () => {
    await given.userWithCart();
    const before = await snapshot();
    const res = await api.checkout(ANONYMOUS);
    expectError(res, 401, 'UNAUTHORIZED');
    expect(await snapshot()).toEqual(before);
  });
});

describe('checkout while Redis is unreachable', () => {
  const t = useTestAppWithoutRedis();
  const api = routesFor(t.api);
  const given = givenFor(t.api);

  it('still answers 202 promptly, and the pending order is in PostgreSQL for the reconciler', async () => {
    const { user } = await given.userWithCart(2);
    const started = performance.now();
    const request = api.checkout(user, CHECKOUT_BODY, { 'x-request-id': 'req-redis-down' });
    // bounded, so that a request that never answers fails here rather than at the test timeout
    const res = await Promise.race([request, new Promise<null>((resolve) => setTimeout(() => resolve(null), 5_000))]);
    const ms = performance.now() - started;

    // the order is committed before the enqueue is attempted
    const orders = await t.sql<{ id: string; status: string; request_id: string }>(
      'SELECT id, status, request_id FROM orders WHERE user_id = $1',
      [user.id],
    );
    expect(orders).toEqual([{ id: expect.stringMatching(UUID), status: 'pending', request_id: 'req-redis-down' }]);
    const orderId = orders[0]!.id;
    expect(await t.sql('SELECT status FROM order_status_history WHERE order_id = $1', [orderId])).toEqual([{ status: 'pending' }]);

    if (res === null) throw new Error(`POST /api/checkout gave no answer within ${Math.round(ms)} ms while Redis is unreachable`);
    expect(ms).toBeLessThan(5_000);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ order_id: orderId, status: 'pending', status_url: `/api/orders/${orderId}` });
    expect(res.headers.location).toBe(`/api/orders/${orderId}`);

    // the order can be read, and it is still the user's one pending checkout
    const read = await api.getOrder(user, orderId);
    expect(read.body).toMatchObject({ order_id: orderId, status: 'pending' });
    const second = await api.checkout(user);
    expectError(second, 409, 'CHECKOUT_IN_PROGRESS');
    expect(second.body).toMatchObject({ order_id: orderId });
  });
});