import type { LightMyRequestResponse } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { QueryTypes } from 'sequelize';
import type { OrderStatus } from '../../shared/domain/order-status';
import { transitionOrder, type Transition } from '../../shared/orders/order-status-repository';
import { createProductViaApi, startTestApp, type TestApp, type ProductJson } from '../support/test-app';
import { bearer, tokenFor } from '../support/tokens';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const admin = bearer(tokenFor('admin1', 'admin'));
const BODY = { contact: 'alice@example.com', address: '1 Test Street, Testville' };
const NO_BODY = Symbol('no body');

type Headers = Record<string, string>;

interface User {
  id: string;
  headers: Headers;
}


interface CartLineJson {
  id: string;
  product_id: string;
  quantity: number;
}

interface OrderJson {
  order_id: string;
  status: OrderStatus;
  failure_reason: string | null;
  failure_details: Record<string, unknown> | null;
  contact: string;
  address: string;
  total_price: string | null;
  items_count: number | null;
  items: Array<{ product_id: string; name: string; unit_price: string; quantity: number; line_total: string }>;
  created_at: string;
  updated_at: string;
  status_history?: Array<{ status: OrderStatus; at: string }>;
}

const ORDER_FIELDS = [
  'address',
  'contact',
  'created_at',
  'failure_details',
  'failure_reason',
  'items',
  'items_count',
  'order_id',
  'status',
  'total_price',
  'updated_at',
];

function expectError(res: LightMyRequestResponse, statusCode: number, code: string): void {
  expect({ statusCode: res.statusCode, body: res.json() }).toEqual({
    statusCode,
    body: expect.objectContaining({ statusCode, error: STATUS_CODES[statusCode], code, message: expect.any(String) }),
  });
}

/** Milliseconds `work` took, with its result. */
async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

/** The test helpers bound to one app (the Redis-down suite builds a second app). */
function helpers(getApp: () => TestApp) {
  let users = 0;
  let products = 0;

  const newUser = (): User => {
    const id = `user-${++users}-${randomUUID().slice(0, 8)}`;
    return { id, headers: bearer(tokenFor(id)) };
  };

  const createProduct = (price = '10.00', stock = 50, name = `Product ${++products}`): Promise<ProductJson> =>
    createProductViaApi(getApp().app, { name, price, stock });

  const addLine = async (user: User, productId: string, quantity = 1): Promise<CartLineJson> => {
    const res = await getApp().app.inject({ method: 'POST', url: '/api/cart', headers: user.headers, payload: { product_id: productId, quantity } });
    expect([200, 201]).toContain(res.statusCode);
    return res.json<CartLineJson>();
  };

  /** POST /api/checkout; pass `NO_BODY` to send no body at all. */
  const checkout = (user: User, payload: unknown = BODY, headers: Headers = {}) =>
    getApp().app.inject({
      method: 'POST',
      url: '/api/checkout',
      headers: { ...user.headers, ...headers },
      ...(payload !== NO_BODY && { payload: payload as string }),
    });

  /** Checks out and returns the new order id, asserting the 202. */
  const checkoutOk = async (user: User, payload: unknown = BODY, headers: Headers = {}): Promise<string> => {
    const res = await checkout(user, payload, headers);
    expect({ status: res.statusCode, body: res.json() }).toMatchObject({ status: 202, body: { status: 'pending' } });
    return res.json<{ order_id: string }>().order_id;
  };

  /** A user with one product in the cart. */
  const userWithCart = async (quantity = 1, product?: ProductJson): Promise<{ user: User; product: ProductJson }> => {
    const user = newUser();
    const chosen = product ?? (await createProduct());
    await addLine(user, chosen.id, quantity);
    return { user, product: chosen };
  };

  return { newUser, createProduct, addLine, checkout, checkoutOk, userWithCart };
}

describe('checkout and orders', () => {
  let t: TestApp;
  const { newUser, createProduct, addLine, checkout, checkoutOk, userWithCart } = helpers(() => t);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.app.checkoutQueue.obliterate({ force: true });
    await t.close();
  });

  const getOrder = (user: User, id: string, query = '') =>
    t.app.inject({ method: 'GET', url: `/api/orders/${id}${query}`, headers: user.headers });
  const listOrders = (user: User, query = '') => t.app.inject({ method: 'GET', url: `/api/orders${query}`, headers: user.headers });
  const cancel = (user: User, id: string) => t.app.inject({ method: 'POST', url: `/api/orders/${id}/cancel`, headers: user.headers });

  /** Moves an order through `transitionOrder` in its own transaction, as the worker or an admin would. */
  async function moveOrder(orderId: string, to: OrderStatus, extra: Partial<Transition> = {}): Promise<void> {
    const moved = await t.app.db.transaction((transaction) =>
      transitionOrder({ db: t.app.db, transaction }, { orderId, to, actor: 'test', ...extra }),
    );
    expect(moved).toBe(true);
  }

  /** What the worker's placement does, in one transaction: snapshot the cart into order_items, take stock, clear the cart, mark placed. */
  async function placeFromCart(orderId: string, userId: string): Promise<void> {
    const db = t.app.db;
    await db.transaction(async (transaction) => {
      await db.query(
        `INSERT INTO order_items (order_id, product_id, name, unit_price, quantity, line_total)
         SELECT $1, p.id, p.name, p.price, c.quantity, p.price * c.quantity
           FROM cart_items c JOIN products p ON p.id = c.product_id WHERE c.user_id = $2`,
        { bind: [orderId, userId], transaction },
      );
      await db.query(
        `UPDATE products p SET stock = p.stock - i.quantity FROM order_items i WHERE i.order_id = $1 AND p.id = i.product_id`,
        { bind: [orderId], transaction },
      );
      await db.query('DELETE FROM cart_items WHERE user_id = $1', { bind: [userId], transaction });
      const [totals] = await db.query<{ total: string; count: number }>(
        'SELECT sum(line_total)::text AS total, sum(quantity)::int AS count FROM order_items WHERE order_id = $1',
        { type: QueryTypes.SELECT, bind: [orderId], transaction },
      );
      const moved = await transitionOrder({ db: db, transaction }, {
        orderId,
        to: 'placed',
        actor: 'worker',
        totalPrice: totals!.total,
        itemsCount: totals!.count,
      });
      expect(moved).toBe(true);
    });
  }

  async function stockOf(productId: string): Promise<number> {
    const [row] = await t.sql<{ stock: number }>('SELECT stock FROM products WHERE id = $1', [productId]);
    return row!.stock;
  }

  async function historyOf(orderId: string): Promise<string[]> {
    const rows = await t.sql<{ status: string }>('SELECT status FROM order_status_history WHERE order_id = $1 ORDER BY id', [orderId]);
    return rows.map((row) => row.status);
  }

  /**
   * Everything a refused request must leave alone: row counts, every order's
   * status and update time, every cart line, every idempotency key, stock,
   * and the number of jobs in this file's queue.
   */
  async function snapshot() {
    const [counts] = await t.sql<Record<string, number>>(
      `SELECT (SELECT count(*)::int FROM orders) AS orders,
              (SELECT count(*)::int FROM order_status_history) AS history,
              (SELECT count(*)::int FROM idempotency_keys) AS idempotency_keys,
              (SELECT count(*)::int FROM cart_items) AS cart_items,
              (SELECT count(*)::int FROM order_items) AS order_items`,
    );
    return {
      counts,
      orders: await t.sql('SELECT id, status, updated_at FROM orders ORDER BY id'),
      cart: await t.sql('SELECT id, user_id, product_id, quantity, updated_at FROM cart_items ORDER BY id'),
      keys: await t.sql('SELECT user_id, key, request_hash, order_id, created_at FROM idempotency_keys ORDER BY user_id, key'),
      stock: await t.sql('SELECT id, stock FROM products ORDER BY id'),
      jobs: await t.app.checkoutQueue.count(),
    };
  }

  describe('POST /api/checkout', () => {
    it('answers 202 with exactly order_id, status and status_url, a Location equal to status_url and a Retry-After', async () => {
      const { user, product } = await userWithCart(2);
      const res = await checkout(user, BODY, { 'x-request-id': 'req-checkout-202' });

      expect(res.statusCode).toBe(202);
      const body = res.json<{ order_id: string; status: string; status_url: string }>();
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
        contact: BODY.contact,
        address: BODY.address,
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
      const { user } = await userWithCart();
      const res = await checkout(user);
      expect(res.statusCode).toBe(202);
      const orderId = res.json<{ order_id: string }>().order_id;
      const [order] = await t.sql<{ request_id: string }>('SELECT request_id FROM orders WHERE id = $1', [orderId]);
      expect(order!.request_id).toBe(res.headers['x-request-id']);
      expect((await t.app.checkoutQueue.getJob(orderId))!.data.requestId).toBe(order!.request_id);
    });

    it('an empty cart is 422 CART_EMPTY and creates no order, no key and no job', async () => {
      const user = newUser();
      const before = await snapshot();
      expectError(await checkout(user), 422, 'CART_EMPTY');
      expectError(await checkout(user, BODY, { 'idempotency-key': 'empty-cart-key' }), 422, 'CART_EMPTY');
      expect(await snapshot()).toEqual(before);

      // the refused key was not burnt: once the cart has a line, the same key checks out
      await addLine(user, (await createProduct()).id);
      const orderId = await checkoutOk(user, BODY, { 'idempotency-key': 'empty-cart-key' });
      expect(await t.sql('SELECT order_id FROM idempotency_keys WHERE user_id = $1', [user.id])).toEqual([{ order_id: orderId }]);
    });

    it('a cart emptied by deleting its last line is 422 CART_EMPTY', async () => {
      const user = newUser();
      const line = await addLine(user, (await createProduct()).id);
      expect((await t.app.inject({ method: 'DELETE', url: `/api/cart/${line.id}`, headers: user.headers })).statusCode).toBe(204);
      const before = await snapshot();
      expectError(await checkout(user), 422, 'CART_EMPTY');
      expect(await snapshot()).toEqual(before);
    });

    it.each<[string, Record<string, unknown>]>([
      ['contact 3 and address 5 characters', { contact: 'a@b', address: '1 St.' }],
      ['contact 200 and address 1000 characters', { contact: 'c'.repeat(200), address: 'a'.repeat(1000) }],
      ['an address over several lines', { contact: 'Bob', address: '1 Test Street\nTestville\r\n12345' }],
    ])('accepts the boundary body: %s', async (_label, body) => {
      const { user } = await userWithCart();
      const orderId = await checkoutOk(user, body);
      const [order] = await t.sql('SELECT contact, address FROM orders WHERE id = $1', [orderId]);
      expect(order).toEqual(body);
    });

    describe('rejects a bad request with 400 VALIDATION_ERROR and creates nothing', () => {
      let user: User;
      beforeEach(async () => {
        // a cart with a line, so that wrongly accepting the request would create an order
        ({ user } = await userWithCart());
      });

      it.each<[string, unknown]>([
        ['contact of 2 characters', { ...BODY, contact: 'ab' }],
        ['contact of 201 characters', { ...BODY, contact: 'c'.repeat(201) }],
        ['address of 4 characters', { ...BODY, address: '1 St' }],
        ['address of 1001 characters', { ...BODY, address: 'a'.repeat(1001) }],
        ['a number as contact', { ...BODY, contact: 12345 }],
        ['a number as address', { ...BODY, address: 123456 }],
        ['a null contact', { ...BODY, contact: null }],
        ['an array as address', { ...BODY, address: ['1 Test Street'] }],
        ['an unknown property', { ...BODY, gift_wrap: true }],
        ['a client-sent total', { ...BODY, total_price: '0.01' }],
        ['a missing contact', { address: BODY.address }],
        ['a missing address', { contact: BODY.contact }],
        ['an empty object', {}],
        ['a NUL character in contact', { ...BODY, contact: 'ali\u0000ce@example.com' }],
        ['a NUL character in address', { ...BODY, address: '1 Test\u0000 Street' }],
        ['a line break in contact', { ...BODY, contact: 'alice\n@example.com' }],
        ['a blank contact', { ...BODY, contact: '     ' }],
      ])('%s', async (_label, body) => {
        const before = await snapshot();
        expectError(await checkout(user, body), 400, 'VALIDATION_ERROR');
        expect(await snapshot()).toEqual(before);
      });

      it.each<[string, string]>([
        ['malformed JSON', `{"contact": "${BODY.contact}", "address": `],
        ['trailing garbage after JSON', `${JSON.stringify(BODY)} x`],
        ['a JSON array', `[${JSON.stringify(BODY)}]`],
        ['an empty body', ''],
      ])('%s', async (_label, raw) => {
        const before = await snapshot();
        const res = await checkout(user, raw, { 'content-type': 'application/json' });
        expectError(res, 400, 'VALIDATION_ERROR');
        expect(await snapshot()).toEqual(before);
      });

      it('no body at all', async () => {
        const before = await snapshot();
        expectError(await checkout(user, NO_BODY), 400, 'VALIDATION_ERROR');
        expect(await snapshot()).toEqual(before);
      });

      it.each<[string, string]>([
        ['of 256 characters', 'k'.repeat(256)],
        ['with a control character', 'key\u0001with-control'],
        ['with a tab', 'key\twith-tab'],
        ['that is empty', ''],
      ])('an Idempotency-Key %s', async (_label, key) => {
        const before = await snapshot();
        const res = await checkout(user, BODY, { 'idempotency-key': key });
        expectError(res, 400, 'VALIDATION_ERROR');
        expect(res.json<{ message: string }>().message).toMatch(/idempotency-key/);
        expect(await snapshot()).toEqual(before);
      });
    });

    it('an Idempotency-Key of exactly 255 printable characters is accepted and stored', async () => {
      const { user } = await userWithCart();
      const key = `${'k'.repeat(250)} ~!@#`;
      expect(key).toHaveLength(255);
      const orderId = await checkoutOk(user, BODY, { 'idempotency-key': key });
      expect(await t.sql('SELECT key, order_id FROM idempotency_keys WHERE user_id = $1', [user.id])).toEqual([{ key, order_id: orderId }]);
    });

    it('without a token is 401 and creates nothing', async () => {
      await userWithCart();
      const before = await snapshot();
      const res = await t.app.inject({ method: 'POST', url: '/api/checkout', payload: BODY });
      expectError(res, 401, 'UNAUTHORIZED');
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('one pending checkout per user', () => {
    it('a second checkout while one is pending is 409 CHECKOUT_IN_PROGRESS naming the pending order, with or without a different key', async () => {
      const { user } = await userWithCart();
      const pendingId = await checkoutOk(user, BODY, { 'idempotency-key': 'first-key' });
      const before = await snapshot();

      for (const headers of [{}, { 'idempotency-key': 'second-key' }] as Headers[]) {
        const res = await checkout(user, BODY, headers);
        expectError(res, 409, 'CHECKOUT_IN_PROGRESS');
        expect(res.json()).toMatchObject({ order_id: pendingId });
      }
      const otherBody = await checkout(user, { contact: 'someone else', address: '2 Other Road' });
      expectError(otherBody, 409, 'CHECKOUT_IN_PROGRESS');
      expect(otherBody.json()).toMatchObject({ order_id: pendingId });
      expect(await snapshot()).toEqual(before);
    });

    it('cart POST, PATCH and DELETE while a checkout is pending are 409 CHECKOUT_IN_PROGRESS and leave the cart unchanged; after a cancel they work again', async () => {
      const user = newUser();
      const first = await createProduct('2.00', 20);
      const second = await createProduct('3.00', 20);
      const line = await addLine(user, first.id, 2);
      const pendingId = await checkoutOk(user);
      const before = await snapshot();

      const refused = [
        await t.app.inject({ method: 'POST', url: '/api/cart', headers: user.headers, payload: { product_id: second.id } }),
        await t.app.inject({ method: 'POST', url: '/api/cart', headers: user.headers, payload: { product_id: first.id } }),
        await t.app.inject({ method: 'PATCH', url: `/api/cart/${line.id}`, headers: user.headers, payload: { quantity: 5 } }),
        await t.app.inject({ method: 'DELETE', url: `/api/cart/${line.id}`, headers: user.headers }),
      ];
      for (const res of refused) {
        expectError(res, 409, 'CHECKOUT_IN_PROGRESS');
        expect(res.json()).toMatchObject({ order_id: pendingId });
      }
      expect(await snapshot()).toEqual(before);
      // reading the cart is still allowed
      const cart = await t.app.inject({ method: 'GET', url: '/api/cart', headers: user.headers });
      expect(cart.statusCode).toBe(200);
      expect(cart.json()).toMatchObject({ items_count: 2, total_price: '4.00' });

      expect((await cancel(user, pendingId)).statusCode).toBe(200);
      const added = await t.app.inject({ method: 'POST', url: '/api/cart', headers: user.headers, payload: { product_id: second.id } });
      expect(added.statusCode).toBe(201);
      const patched = await t.app.inject({ method: 'PATCH', url: `/api/cart/${line.id}`, headers: user.headers, payload: { quantity: 5 } });
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({ quantity: 5 });
      const removed = await t.app.inject({ method: 'DELETE', url: `/api/cart/${added.json<CartLineJson>().id}`, headers: user.headers });
      expect(removed.statusCode).toBe(204);
      expect(await t.sql('SELECT id, quantity FROM cart_items WHERE user_id = $1', [user.id])).toEqual([{ id: line.id, quantity: 5 }]);

      // and a new checkout is accepted once nothing is pending
      const nextId = await checkoutOk(user);
      expect(nextId).not.toBe(pendingId);
    });

    it('3 concurrent checkouts without a key: one 202, the others 409 CHECKOUT_IN_PROGRESS naming that order', async () => {
      const { user } = await userWithCart();
      const responses = await Promise.all([checkout(user), checkout(user), checkout(user)]);
      expect(responses.map((res) => res.statusCode).sort()).toEqual([202, 409, 409]);
      const orderId = responses.find((res) => res.statusCode === 202)!.json<{ order_id: string }>().order_id;
      for (const res of responses.filter((r) => r.statusCode === 409)) {
        expect(res.json()).toMatchObject({ code: 'CHECKOUT_IN_PROGRESS', order_id: orderId });
      }
      expect(await t.sql('SELECT id FROM orders WHERE user_id = $1', [user.id])).toEqual([{ id: orderId }]);
      expect(await historyOf(orderId)).toEqual(['pending']);
    });

    it("one user's pending checkout does not block another user's cart or checkout", async () => {
      const product = await createProduct('1.00', 20);
      const { user: alice } = await userWithCart(1, product);
      const { user: bob } = await userWithCart(1, product);
      const aliceOrder = await checkoutOk(alice);
      await addLine(bob, product.id, 1);
      const bobOrder = await checkoutOk(bob);
      expect(bobOrder).not.toBe(aliceOrder);
    });
  });

  describe('Idempotency-Key', () => {
    it('the same key and body replays the identical 202 with the same order, even after the order left pending', async () => {
      const { user } = await userWithCart();
      const headers = { 'idempotency-key': 'replay-key-1' };
      const first = await checkout(user, BODY, headers);
      expect(first.statusCode).toBe(202);
      const orderId = first.json<{ order_id: string }>().order_id;

      const second = await checkout(user, BODY, headers);
      expect(second.statusCode).toBe(202);
      expect(second.body).toBe(first.body);
      expect(second.headers.location).toBe(first.headers.location);
      expect(second.headers['retry-after']).toBe(first.headers['retry-after']);

      expect((await cancel(user, orderId)).statusCode).toBe(200);
      const third = await checkout(user, BODY, headers);
      expect(third.statusCode).toBe(202);
      expect(third.json()).toEqual(first.json());

      expect(await t.sql('SELECT id, status FROM orders WHERE user_id = $1', [user.id])).toEqual([{ id: orderId, status: 'cancelled' }]);
      expect(await t.sql('SELECT key, order_id FROM idempotency_keys WHERE user_id = $1', [user.id])).toEqual([
        { key: 'replay-key-1', order_id: orderId },
      ]);
      expect(await historyOf(orderId)).toEqual(['pending', 'cancelled']);
      expect(await t.app.checkoutQueue.getJob(orderId)).toBeDefined();
    });

    it('the same key with a different body is 422 IDEMPOTENCY_KEY_REUSED and changes nothing, while pending and after', async () => {
      const { user } = await userWithCart();
      const headers = { 'idempotency-key': 'reuse-key' };
      const orderId = await checkoutOk(user, BODY, headers);
      const variants = [
        { ...BODY, contact: 'bob@example.com' },
        { ...BODY, address: '2 Other Street, Testville' },
      ];

      let before = await snapshot();
      for (const body of variants) expectError(await checkout(user, body, headers), 422, 'IDEMPOTENCY_KEY_REUSED');
      expect(await snapshot()).toEqual(before);

      expect((await cancel(user, orderId)).statusCode).toBe(200);
      before = await snapshot();
      for (const body of variants) expectError(await checkout(user, body, headers), 422, 'IDEMPOTENCY_KEY_REUSED');
      expect(await snapshot()).toEqual(before);
    });

    it("the same key from another user is independent: it creates that user's own order", async () => {
      const product = await createProduct();
      const { user: alice } = await userWithCart(1, product);
      const { user: bob } = await userWithCart(1, product);
      const headers = { 'idempotency-key': 'shared-key' };
      const aliceOrder = await checkoutOk(alice, BODY, headers);
      const bobOrder = await checkoutOk(bob, BODY, headers);
      expect(bobOrder).not.toBe(aliceOrder);

      expect(await t.sql('SELECT user_id FROM orders WHERE id = $1', [bobOrder])).toEqual([{ user_id: bob.id }]);
      expect(await t.sql('SELECT user_id, order_id FROM idempotency_keys WHERE key = $1 ORDER BY order_id', ['shared-key'])).toEqual(
        expect.arrayContaining([
          { user_id: alice.id, order_id: aliceOrder },
          { user_id: bob.id, order_id: bobOrder },
        ]),
      );
      // bob's reuse of the key with another body is his own business: alice's record is untouched
      expectError(await checkout(bob, { ...BODY, contact: 'other contact' }, headers), 422, 'IDEMPOTENCY_KEY_REUSED');
      expect((await checkout(alice, BODY, headers)).json()).toMatchObject({ order_id: aliceOrder });
    });

    it('5 concurrent requests with the same key and body all get 202 with the same order_id, and one order exists', async () => {
      const { user } = await userWithCart();
      const headers = { 'idempotency-key': 'race-key' };
      const before = await snapshot();
      const responses = await Promise.all(Array.from({ length: 5 }, () => checkout(user, BODY, headers)));

      expect(responses.map((res) => res.statusCode)).toEqual([202, 202, 202, 202, 202]);
      const ids = new Set(responses.map((res) => res.json<{ order_id: string }>().order_id));
      expect(ids.size).toBe(1);
      const [orderId] = [...ids];
      for (const res of responses) expect(res.body).toBe(responses[0]!.body);

      expect(await t.sql('SELECT id FROM orders WHERE user_id = $1', [user.id])).toEqual([{ id: orderId }]);
      expect(await t.sql('SELECT order_id FROM idempotency_keys WHERE user_id = $1', [user.id])).toEqual([{ order_id: orderId }]);
      expect(await historyOf(orderId!)).toEqual(['pending']);
      const after = await snapshot();
      expect(after.counts).toEqual({ ...before.counts, orders: before.counts!.orders! + 1, history: before.counts!.history! + 1, idempotency_keys: before.counts!.idempotency_keys! + 1 });
      expect(after.jobs).toBe(before.jobs + 1);
    });

    it('concurrent requests with the same key and different bodies: one 202, the other 422 IDEMPOTENCY_KEY_REUSED', async () => {
      const { user } = await userWithCart();
      const headers = { 'idempotency-key': 'race-two-bodies' };
      const bodies = [BODY, { ...BODY, contact: 'bob@example.com' }];
      const responses = await Promise.all(bodies.map((body) => checkout(user, body, headers)));
      expect(responses.map((res) => res.statusCode).sort()).toEqual([202, 422]);
      expect(responses.find((res) => res.statusCode === 422)!.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
      const winner = responses.findIndex((res) => res.statusCode === 202);
      const orderId = responses[winner]!.json<{ order_id: string }>().order_id;
      expect(await t.sql('SELECT id, contact FROM orders WHERE user_id = $1', [user.id])).toEqual([
        { id: orderId, contact: bodies[winner]!.contact },
      ]);
      expect(await t.sql('SELECT order_id FROM idempotency_keys WHERE user_id = $1', [user.id])).toEqual([{ order_id: orderId }]);
    });

    it('a key is remembered for 24 h: at 23 h it still replays, past 24 h it can be reused for a new order', async () => {
      const { user } = await userWithCart();
      const headers = { 'idempotency-key': 'daily-key' };
      const oldId = await checkoutOk(user, BODY, headers);

      await t.sql(`UPDATE idempotency_keys SET created_at = now() - interval '23 hours' WHERE user_id = $1`, [user.id]);
      expect((await checkout(user, BODY, headers)).json()).toMatchObject({ order_id: oldId });
      expect(await t.sql('SELECT count(*)::int AS n FROM orders WHERE user_id = $1', [user.id])).toEqual([{ n: 1 }]);

      await t.sql(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE user_id = $1`, [user.id]);
      // an expired key does not get around the one-pending-checkout rule
      const blocked = await checkout(user, BODY, headers);
      expectError(blocked, 409, 'CHECKOUT_IN_PROGRESS');
      expect(blocked.json()).toMatchObject({ order_id: oldId });

      await moveOrder(oldId, 'failed', { failureReason: 'OUT_OF_STOCK', failureDetails: { products: [] } });
      // a failed order leaves the cart as it was, so the same body checks out again
      const res = await checkout(user, BODY, headers);
      expect(res.statusCode).toBe(202);
      const newId = res.json<{ order_id: string }>().order_id;
      expect(newId).not.toBe(oldId);

      const keys = await t.sql<{ order_id: string; fresh: boolean }>(
        `SELECT order_id, created_at > now() - interval '1 minute' AS fresh FROM idempotency_keys WHERE user_id = $1`,
        [user.id],
      );
      expect(keys).toEqual([{ order_id: newId, fresh: true }]);
      expect(await t.sql('SELECT id, status FROM orders WHERE user_id = $1 ORDER BY created_at', [user.id])).toEqual([
        { id: oldId, status: 'failed' },
        { id: newId, status: 'pending' },
      ]);
      // and from now on the key replays the new order
      expect((await checkout(user, BODY, headers)).json()).toMatchObject({ order_id: newId });
    });
  });

  describe('GET /api/orders/:id', () => {
    it('the owner sees the pending order in the contract shape, with Retry-After', async () => {
      const { user } = await userWithCart();
      const orderId = await checkoutOk(user);
      const res = await getOrder(user, orderId);

      expect(res.statusCode).toBe(200);
      expect(String(res.headers['retry-after'])).toMatch(/^[1-9][0-9]*$/);
      const order = res.json<OrderJson>();
      expect(Object.keys(order).sort()).toEqual([...ORDER_FIELDS, 'status_history'].sort());
      expect(order).toEqual({
        order_id: orderId,
        status: 'pending',
        failure_reason: null,
        failure_details: null,
        contact: BODY.contact,
        address: BODY.address,
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
      const mug = await createProduct('19.99', 10, 'Blue mug');
      const pen = await createProduct('0.10', 100, 'Pen');
      await addLine(user, mug.id, 2);
      await addLine(user, pen.id, 3);
      const orderId = await checkoutOk(user);
      await placeFromCart(orderId, user.id);
      // the snapshot keeps the price it was sold at
      await t.app.inject({ method: 'PATCH', url: `/api/admin/products/${mug.id}`, headers: admin, payload: { price: '25.00' } });

      const res = await getOrder(user, orderId);
      expect(res.statusCode).toBe(200);
      expect(res.headers['retry-after']).toBeUndefined();
      expect(res.json()).toMatchObject({
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
      expect(res.json<OrderJson>().items).toHaveLength(2);
    });

    it('a failed order shows failure_reason and failure_details, and has no Retry-After', async () => {
      const { user, product } = await userWithCart();
      const orderId = await checkoutOk(user);
      const details = { products: [{ product_id: product.id, requested: 1, available: 0 }] };
      await moveOrder(orderId, 'failed', { failureReason: 'OUT_OF_STOCK', failureDetails: details });

      const res = await getOrder(user, orderId);
      expect(res.statusCode).toBe(200);
      expect(res.headers['retry-after']).toBeUndefined();
      expect(res.json()).toMatchObject({
        status: 'failed',
        failure_reason: 'OUT_OF_STOCK',
        failure_details: details,
        total_price: null,
        items: [],
        status_history: [{ status: 'pending' }, { status: 'failed' }],
      });
    });

    it("another user's order is 404 ORDER_NOT_FOUND, with the same body as an unknown id", async () => {
      const { user } = await userWithCart();
      const orderId = await checkoutOk(user);
      const intruder = newUser();
      const stolen = await getOrder(intruder, orderId);
      const unknown = await getOrder(intruder, randomUUID());
      expectError(stolen, 404, 'ORDER_NOT_FOUND');
      expect(stolen.json()).toEqual(unknown.json());
      expect(stolen.headers['retry-after']).toBeUndefined();
      // long-polling someone else's order does not hold the answer either
      const { result, ms } = await timed(() => getOrder(intruder, orderId, '?wait=5'));
      expectError(result, 404, 'ORDER_NOT_FOUND');
      expect(ms).toBeLessThan(1_000);
    });

    it.each(['not-a-uuid', '12345', 'urn:uuid:00000000-0000-4000-8000-000000000000', `${'a'.repeat(300)}`])(
      'a non-UUID id %s is 404 ORDER_NOT_FOUND',
      async (id) => {
        expectError(await getOrder(newUser(), encodeURIComponent(id)), 404, 'ORDER_NOT_FOUND');
      },
    );

    it('an upper-case spelling of the id finds the same order', async () => {
      const { user } = await userWithCart();
      const orderId = await checkoutOk(user);
      const res = await getOrder(user, orderId.toUpperCase());
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ order_id: orderId, status: 'pending' });
    });

    it('without a token every order route is 401 UNAUTHORIZED', async () => {
      const { user } = await userWithCart();
      const orderId = await checkoutOk(user);
      const before = await snapshot();
      const answers = [
        await t.app.inject({ method: 'GET', url: `/api/orders/${orderId}` }),
        await t.app.inject({ method: 'GET', url: `/api/orders/${orderId}?wait=5` }),
        await t.app.inject({ method: 'GET', url: '/api/orders' }),
        await t.app.inject({ method: 'POST', url: `/api/orders/${orderId}/cancel` }),
      ];
      for (const res of answers) expectError(res, 401, 'UNAUTHORIZED');
      expect(await snapshot()).toEqual(before);
    });

    describe('long-poll ?wait=N', () => {
      it('?wait=1 on a pending order answers after about a second, still pending', async () => {
        const { user } = await userWithCart();
        const orderId = await checkoutOk(user);
        const { result, ms } = await timed(() => getOrder(user, orderId, '?wait=1'));
        expect(result.statusCode).toBe(200);
        expect(result.json()).toMatchObject({ order_id: orderId, status: 'pending' });
        expect(result.headers['retry-after']).toBeDefined();
        expect(ms).toBeGreaterThanOrEqual(900);
        expect(ms).toBeLessThan(3_000);
      });

      it('?wait=10 answers as soon as a concurrent transaction places the order, with the new status', async () => {
        const { user } = await userWithCart();
        const orderId = await checkoutOk(user);
        const mover = new Promise<void>((resolve, reject) => {
          setTimeout(() => placeFromCart(orderId, user.id).then(resolve, reject), 300);
        });
        const { result, ms } = await timed(() => getOrder(user, orderId, '?wait=10'));
        await mover;
        expect(result.statusCode).toBe(200);
        expect(result.json()).toMatchObject({ order_id: orderId, status: 'placed', status_history: [{ status: 'pending' }, { status: 'placed' }] });
        expect(result.headers['retry-after']).toBeUndefined();
        expect(ms).toBeGreaterThanOrEqual(250);
        expect(ms).toBeLessThan(5_000);
      });

      it('a long-poll on an upper-case spelling of the id (which GET accepts) also wakes on the change', async () => {
        const { user } = await userWithCart();
        const orderId = await checkoutOk(user);
        const mover = new Promise<void>((resolve, reject) => {
          setTimeout(() => moveOrder(orderId, 'cancelled').then(resolve, reject), 300);
        });
        const { result, ms } = await timed(() => getOrder(user, orderId.toUpperCase(), '?wait=4'));
        await mover;
        expect(result.statusCode).toBe(200);
        expect(result.json()).toMatchObject({ order_id: orderId, status: 'cancelled' });
        expect(ms).toBeLessThan(2_500);
      });

      it('a change of another order does not end the wait', async () => {
        const { user } = await userWithCart();
        const orderId = await checkoutOk(user);
        const { user: other } = await userWithCart();
        const otherId = await checkoutOk(other);
        const mover = new Promise<void>((resolve, reject) => {
          setTimeout(() => moveOrder(otherId, 'cancelled').then(resolve, reject), 100);
        });
        const { result, ms } = await timed(() => getOrder(user, orderId, '?wait=1'));
        await mover;
        expect(result.json()).toMatchObject({ order_id: orderId, status: 'pending' });
        expect(ms).toBeGreaterThanOrEqual(900);
      });

      it('?wait=5 on an order that is already final answers at once', async () => {
        const { user } = await userWithCart();
        const orderId = await checkoutOk(user);
        await moveOrder(orderId, 'cancelled');
        const { result, ms } = await timed(() => getOrder(user, orderId, '?wait=5'));
        expect(result.statusCode).toBe(200);
        expect(result.json()).toMatchObject({ status: 'cancelled' });
        expect(result.headers['retry-after']).toBeUndefined();
        expect(ms).toBeLessThan(1_000);
      });

      it('?wait=20 on an unknown order is 404 at once', async () => {
        const { result, ms } = await timed(() => getOrder(newUser(), randomUUID(), '?wait=20'));
        expectError(result, 404, 'ORDER_NOT_FOUND');
        expect(ms).toBeLessThan(1_000);
      });

      it.each(['21', '-1', 'abc', '1.5', '100000000000000000000'])('?wait=%s is 400 VALIDATION_ERROR', async (wait) => {
        const { user } = await userWithCart();
        const orderId = await checkoutOk(user);
        const { result, ms } = await timed(() => getOrder(user, orderId, `?wait=${wait}`));
        expectError(result, 400, 'VALIDATION_ERROR');
        expect(ms).toBeLessThan(1_000);
      });
    });
  });

  describe('GET /api/orders', () => {
    /** Creates `n` orders for the user, cancelling each pending one before the next checkout; returns ids oldest first. */
    async function ordersFor(user: User, n: number): Promise<string[]> {
      const product = await createProduct('1.00', 100);
      await addLine(user, product.id);
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const id = await checkoutOk(user);
        ids.push(id);
        if (i < n - 1) expect((await cancel(user, id)).statusCode).toBe(200);
      }
      return ids;
    }

    it("lists only the caller's orders, newest first, in the summary shape", async () => {
      const user = newUser();
      const ids = await ordersFor(user, 3);
      await ordersFor(newUser(), 2);

      const res = await listOrders(user);
      expect(res.statusCode).toBe(200);
      const body = res.json<{ orders: OrderJson[]; next_cursor: string | null }>();
      expect(Object.keys(body).sort()).toEqual(['next_cursor', 'orders']);
      expect(body.next_cursor).toBeNull();
      expect(body.orders.map((order) => order.order_id)).toEqual([...ids].reverse());
      expect(body.orders.map((order) => order.status)).toEqual(['pending', 'cancelled', 'cancelled']);
      for (const order of body.orders) expect(Object.keys(order).sort()).toEqual(ORDER_FIELDS);
      expect(body.orders[0]).toMatchObject({ contact: BODY.contact, address: BODY.address, created_at: expect.stringMatching(ISO_UTC) });

      expect((await listOrders(newUser())).json()).toEqual({ orders: [], next_cursor: null });
    });

    it('?status= keeps only the orders in that status', async () => {
      const user = newUser();
      const ids = await ordersFor(user, 3);
      await moveOrder(ids[2]!, 'failed', { failureReason: 'PROCESSING_ERROR', failureDetails: {} });

      const statusIds = async (status: string) =>
        (await listOrders(user, `?status=${status}`)).json<{ orders: OrderJson[] }>().orders.map((order) => order.order_id);
      expect(await statusIds('cancelled')).toEqual([ids[1], ids[0]]);
      expect(await statusIds('failed')).toEqual([ids[2]]);
      expect(await statusIds('pending')).toEqual([]);
      expect(await statusIds('placed')).toEqual([]);
    });

    it('limit and cursor walk every order exactly once, newest first', async () => {
      const user = newUser();
      const ids = await ordersFor(user, 7);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await listOrders(user, query);
        expect(res.statusCode).toBe(200);
        const page = res.json<{ orders: OrderJson[]; next_cursor: string | null }>();
        expect(page.orders.length).toBeLessThanOrEqual(3);
        seen.push(...page.orders.map((order) => order.order_id));
        cursor = page.next_cursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual([...ids].reverse());

      // the same walk under a status filter
      const cancelled: string[] = [];
      let next: string | null = null;
      do {
        const res = await listOrders(user, `?status=cancelled&limit=4${next ? `&cursor=${encodeURIComponent(next)}` : ''}`);
        const page = res.json<{ orders: OrderJson[]; next_cursor: string | null }>();
        cancelled.push(...page.orders.map((order) => order.order_id));
        next = page.next_cursor;
      } while (next);
      expect(cancelled).toEqual(ids.slice(0, 6).reverse());
    });

    it.each<[string, string]>([
      ['an unknown status', '?status=lost'],
      ['an upper-case status', '?status=PENDING'],
      ['a garbage cursor', '?cursor=not-a-cursor'],
      ['a cursor of valid base64 JSON that this service did not make', `?cursor=${Buffer.from('{"t":"yesterday","id":"x"}').toString('base64url')}`],
      ['limit 0', '?limit=0'],
      ['limit 101', '?limit=101'],
      ['a non-numeric limit', '?limit=ten'],
    ])('%s is 400 VALIDATION_ERROR', async (_label, query) => {
      expectError(await listOrders(newUser(), query), 400, 'VALIDATION_ERROR');
    });
  });

  describe('POST /api/orders/:id/cancel', () => {
    it('cancels a pending order: 200 with the order, history pending → cancelled, stock and cart unchanged', async () => {
      const { user, product } = await userWithCart(3);
      const orderId = await checkoutOk(user);
      const stock = await stockOf(product.id);

      const res = await cancel(user, orderId);
      expect(res.statusCode).toBe(200);
      const order = res.json<OrderJson>();
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
      const user = newUser();
      const a = await createProduct('5.00', 10);
      const b = await createProduct('7.00', 4);
      await addLine(user, a.id, 3);
      await addLine(user, b.id, 4);
      const orderId = await checkoutOk(user);
      await placeFromCart(orderId, user.id);
      expect([await stockOf(a.id), await stockOf(b.id)]).toEqual([7, 0]);

      const res = await cancel(user, orderId);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        status: 'cancelled',
        total_price: '43.00',
        items_count: 7,
        status_history: [{ status: 'pending' }, { status: 'placed' }, { status: 'cancelled' }],
      });
      expect([await stockOf(a.id), await stockOf(b.id)]).toEqual([10, 4]);

      const before = await snapshot();
      const again = await cancel(user, orderId);
      expectError(again, 409, 'INVALID_TRANSITION');
      expect(await snapshot()).toEqual(before);
      expect([await stockOf(a.id), await stockOf(b.id)]).toEqual([10, 4]);
      expect(await historyOf(orderId)).toEqual(['pending', 'placed', 'cancelled']);
    });

    it('two concurrent cancels of a placed order: one 200, one 409, stock given back once', async () => {
      const { user, product } = await userWithCart(2);
      const orderId = await checkoutOk(user);
      await placeFromCart(orderId, user.id);
      const stock = await stockOf(product.id);

      const responses = await Promise.all([cancel(user, orderId), cancel(user, orderId)]);
      expect(responses.map((res) => res.statusCode).sort()).toEqual([200, 409]);
      expect(responses.find((res) => res.statusCode === 409)!.json()).toMatchObject({ code: 'INVALID_TRANSITION' });
      expect(await stockOf(product.id)).toBe(stock + 2);
      expect(await historyOf(orderId)).toEqual(['pending', 'placed', 'cancelled']);
    });

    it.each<[string, OrderStatus[]]>([
      ['failed', ['failed']],
      ['shipped', ['placed', 'shipped']],
      ['delivered', ['placed', 'shipped', 'delivered']],
    ])('a %s order is 409 INVALID_TRANSITION and unchanged', async (_label, path) => {
      const { user } = await userWithCart();
      const orderId = await checkoutOk(user);
      for (const to of path) {
        if (to === 'placed') await placeFromCart(orderId, user.id);
        else if (to === 'failed') await moveOrder(orderId, to, { failureReason: 'OUT_OF_STOCK', failureDetails: { products: [] } });
        else await moveOrder(orderId, to);
      }
      const before = await snapshot();
      const res = await cancel(user, orderId);
      expectError(res, 409, 'INVALID_TRANSITION');
      expect(await snapshot()).toEqual(before);
      expect((await getOrder(user, orderId)).json()).toMatchObject({ status: path[path.length - 1] });
    });

    it("another user's order is 404 ORDER_NOT_FOUND and stays as it was", async () => {
      const { user } = await userWithCart();
      const orderId = await checkoutOk(user);
      const intruder = newUser();
      const before = await snapshot();
      const stolen = await cancel(intruder, orderId);
      expectError(stolen, 404, 'ORDER_NOT_FOUND');
      expect(stolen.json()).toEqual((await cancel(intruder, randomUUID())).json());
      expect(await snapshot()).toEqual(before);
      expect((await getOrder(user, orderId)).json()).toMatchObject({ status: 'pending' });
    });

    it('a non-UUID id is 404 ORDER_NOT_FOUND', async () => {
      const before = await snapshot();
      expectError(await cancel(newUser(), 'not-a-uuid'), 404, 'ORDER_NOT_FOUND');
      expect(await snapshot()).toEqual(before);
    });
  });
});

describe('checkout while Redis is unreachable', () => {
  let t: TestApp;
  const { checkout, userWithCart } = helpers(() => t);

  beforeAll(async () => {
    t = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1' });
  });
  afterAll(async () => {
    await t.close();
    // ioredis leaves its 2 s connect-timeout timer behind after a refused connection
    await new Promise((resolve) => setTimeout(resolve, 2_100));
  });

  it('still answers 202 promptly, and the pending order is in PostgreSQL for the reconciler', async () => {
    const { user } = await userWithCart(2);
    const started = performance.now();
    const request = checkout(user, BODY, { 'x-request-id': 'req-redis-down' });
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
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ order_id: orderId, status: 'pending', status_url: `/api/orders/${orderId}` });
    expect(res.headers.location).toBe(`/api/orders/${orderId}`);

    // the order can be read, and it is still the user's one pending checkout
    const read = await t.app.inject({ method: 'GET', url: `/api/orders/${orderId}`, headers: user.headers });
    expect(read.json()).toMatchObject({ order_id: orderId, status: 'pending' });
    const second = await checkout(user);
    expectError(second, 409, 'CHECKOUT_IN_PROGRESS');
    expect(second.json()).toMatchObject({ order_id: orderId });
  });
});
