import type { LightMyRequestResponse } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { ORDER_STATUSES, canTransition, type OrderStatus } from '../../shared/domain/order-status';
import { placeOrder } from '../../shared/placement/place-order';
import { createProductViaApi, startTestApp, type TestApp, type ProductJson } from '../support/test-app';
import { bearer, tokenFor } from '../support/tokens';

type Headers = Record<string, string>;

interface Party {
  id: string;
  headers: Headers;
}


interface OrderItemJson {
  product_id: string;
  name: string;
  unit_price: string;
  quantity: number;
  line_total: string;
}

interface OrderJson {
  order_id: string;
  status: OrderStatus;
  failure_reason: string | null;
  failure_details: Record<string, unknown> | null;
  total_price: string | null;
  items_count: number | null;
  items: OrderItemJson[];
  status_history?: Array<{ status: OrderStatus; at: string }>;
}

interface OrderPage {
  orders: OrderJson[];
  next_cursor: string | null;
}

type Line = [ProductJson, number];

const ADMIN: Party = { id: 'admin1', headers: bearer(tokenFor('admin1', 'admin')) };
const OTHER_ADMIN: Party = { id: 'admin2', headers: bearer(tokenFor('admin2', 'admin')) };
const BODY = { contact: 'alice@example.com', address: '1 Test Street, Testville' };
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Where each status is reached from pending, by the actor that normally makes the move. */
const PATH_TO: Record<OrderStatus, OrderStatus[]> = {
  pending: [],
  placed: ['placed'],
  failed: ['failed'],
  cancelled: ['cancelled'],
  shipped: ['placed', 'shipped'],
  delivered: ['placed', 'shipped', 'delivered'],
};

const ILLEGAL_MOVES = ORDER_STATUSES.flatMap((from) =>
  ORDER_STATUSES.filter((to) => !canTransition(from, to)).map((to): [OrderStatus, OrderStatus] => [from, to]),
);

function expectError(res: LightMyRequestResponse, statusCode: number, code: string): void {
  expect({ statusCode: res.statusCode, body: res.json() }).toEqual({
    statusCode,
    body: expect.objectContaining({ statusCode, error: STATUS_CODES[statusCode], code, message: expect.any(String) }),
  });
}

describe('order lifecycle: customers, sellers and admins', () => {
  let t: TestApp;
  let parties = 0;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.app.checkoutQueue.obliterate({ force: true });
    await t.close();
  });

  const newCustomer = (): Party => {
    const id = `customer-${++parties}-${randomUUID().slice(0, 8)}`;
    return { id, headers: bearer(tokenFor(id)) };
  };
  const newSeller = (): Party => {
    const id = `seller-${++parties}-${randomUUID().slice(0, 8)}`;
    return { id, headers: bearer(tokenFor(id, 'seller')) };
  };

  async function createProduct(sellerId: string | null, stock = 50, price = '10.00'): Promise<ProductJson> {
    const product = await createProductViaApi(t.app, { name: `Product ${++parties}`, price, stock, seller_id: sellerId });
    expect(product.seller_id).toBe(sellerId);
    return product;
  }

  /** Puts the lines in the customer's cart and checks out: a pending order (no items yet). */
  async function pendingOrder(customer: Party, lines: Line[]): Promise<string> {
    for (const [product, quantity] of lines) {
      const added = await t.app.inject({
        method: 'POST',
        url: '/api/cart',
        headers: customer.headers,
        payload: { product_id: product.id, quantity },
      });
      expect([200, 201]).toContain(added.statusCode);
    }
    const res = await t.app.inject({ method: 'POST', url: '/api/checkout', headers: customer.headers, payload: BODY });
    expect({ status: res.statusCode, body: res.json() }).toMatchObject({ status: 202, body: { status: 'pending' } });
    return res.json<{ order_id: string }>().order_id;
  }

  /** A pending order placed in-process by the worker's own transaction. */
  async function placedOrder(customer: Party, lines: Line[]): Promise<string> {
    const orderId = await pendingOrder(customer, lines);
    expect(await placeOrder(t.app.db, orderId)).toMatchObject({ status: 'placed' });
    return orderId;
  }

  const getOrder = (party: Party, id: string) => t.app.inject({ method: 'GET', url: `/api/orders/${id}`, headers: party.headers });
  const cancel = (party: Party, id: string) => t.app.inject({ method: 'POST', url: `/api/orders/${id}/cancel`, headers: party.headers });
  const sellerAct = (party: Party, id: string, action: 'ship' | 'deliver') =>
    t.app.inject({ method: 'POST', url: `/api/seller/orders/${id}/${action}`, headers: party.headers });
  const sellerList = (party: Party, query = '') => t.app.inject({ method: 'GET', url: `/api/seller/orders${query}`, headers: party.headers });
  const adminList = (query = '', party: Party = ADMIN) => t.app.inject({ method: 'GET', url: `/api/admin/orders${query}`, headers: party.headers });
  const adminPatch = (id: string, payload: unknown, party: Party = ADMIN) =>
    t.app.inject({ method: 'PATCH', url: `/api/admin/orders/${id}`, headers: party.headers, payload: payload as object });

  async function adminMove(id: string, status: OrderStatus): Promise<OrderJson> {
    const res = await adminPatch(id, { status });
    expect({ statusCode: res.statusCode, body: res.json() }).toMatchObject({ statusCode: 200, body: { order_id: id, status } });
    return res.json<OrderJson>();
  }

  /** A fresh order of one line (`quantity` of a new product) brought to `status` through the API. */
  async function orderIn(status: OrderStatus, quantity = 2) {
    const customer = newCustomer();
    const product = await createProduct(null, 20);
    const orderId = await pendingOrder(customer, [[product, quantity]]);
    for (const to of PATH_TO[status]) {
      if (to === 'placed') expect(await placeOrder(t.app.db, orderId)).toMatchObject({ status: 'placed' });
      else if (to === 'cancelled') expect((await cancel(customer, orderId)).statusCode).toBe(200);
      else await adminMove(orderId, to);
    }
    return { customer, product, orderId };
  }

  async function stockOf(productId: string): Promise<number> {
    const [row] = await t.sql<{ stock: number }>('SELECT stock FROM products WHERE id = $1', [productId]);
    return row!.stock;
  }

  async function statusOf(orderId: string): Promise<OrderStatus> {
    const [row] = await t.sql<{ status: OrderStatus }>('SELECT status FROM orders WHERE id = $1', [orderId]);
    return row!.status;
  }

  async function historyOf(orderId: string): Promise<Array<{ status: string; actor: string }>> {
    return t.sql('SELECT status, actor FROM order_status_history WHERE order_id = $1 ORDER BY id', [orderId]);
  }

  /** The order.* outbox rows of one order, in commit order. */
  async function orderEventsOf(orderId: string): Promise<Array<{ type: string; user_id: string; data: Record<string, unknown> }>> {
    return t.sql(
      `SELECT type, user_id, data FROM outbox_events WHERE aggregate_id = $1 AND type LIKE 'order.%' ORDER BY id`,
      [orderId],
    );
  }

  /** Everything a refused request must leave alone on one order and its products. */
  async function orderState(orderId: string) {
    return {
      order: await t.sql(
        'SELECT status, failure_reason, failure_details, total_price, items_count, updated_at FROM orders WHERE id = $1',
        [orderId],
      ),
      items: await t.sql('SELECT product_id, seller_id, quantity FROM order_items WHERE order_id = $1 ORDER BY product_id', [orderId]),
      history: await historyOf(orderId),
      events: await t.sql('SELECT type, data FROM outbox_events WHERE aggregate_id = $1 ORDER BY id', [orderId]),
      stock: await t.sql(
        `SELECT id, stock FROM products WHERE id IN (SELECT product_id FROM order_items WHERE order_id = $1)
            OR id IN (SELECT c.product_id FROM cart_items c JOIN orders o ON o.user_id = c.user_id WHERE o.id = $1)
          ORDER BY id`,
        [orderId],
      ),
    };
  }

  /** initial = current + everything in placed, shipped or delivered orders (cancelled orders gave theirs back). */
  async function expectStockConserved(productId: string, initial: number): Promise<void> {
    const [row] = await t.sql<{ stock: number; sold: number }>(
      `SELECT p.stock, coalesce((SELECT sum(i.quantity) FROM order_items i JOIN orders o ON o.id = i.order_id
                                  WHERE i.product_id = p.id AND o.status IN ('placed', 'shipped', 'delivered')), 0)::int AS sold
         FROM products p WHERE p.id = $1`,
      [productId],
    );
    expect(row!.stock).toBeGreaterThanOrEqual(0);
    expect(row!.stock + row!.sold).toBe(initial);
  }

  /** Follows next_cursor from the first page; returns the order ids seen and the number of pages. */
  async function walk(list: (query: string) => Promise<LightMyRequestResponse>, query: string) {
    const ids: string[] = [];
    const pages: OrderJson[][] = [];
    let cursor: string | null = null;
    do {
      const res = await list(`?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json<OrderPage>();
      pages.push(page.orders);
      ids.push(...page.orders.map((order) => order.order_id));
      cursor = page.next_cursor;
    } while (cursor && pages.length < 50);
    return { ids, pages };
  }

  /** The expected newest-first order of a set of order ids, from PostgreSQL itself. */
  async function newestFirst(where: string, params: unknown[] = []): Promise<string[]> {
    const rows = await t.sql<{ id: string }>(`SELECT id FROM orders WHERE ${where} ORDER BY created_at DESC, id DESC`, params);
    return rows.map((row) => row.id);
  }

  const byProduct = (a: { product_id: string }, b: { product_id: string }) => a.product_id.localeCompare(b.product_id);

  describe('POST /api/orders/:id/cancel (customer)', () => {
    it('cancels a pending order: nothing was sold, so no stock moves and the cart stays; history and an order.cancelled event with previous_status pending', async () => {
      const customer = newCustomer();
      const product = await createProduct(null, 10);
      const orderId = await pendingOrder(customer, [[product, 3]]);

      const res = await cancel(customer, orderId);
      expect(res.statusCode).toBe(200);
      expect(res.json<OrderJson>()).toMatchObject({
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
      const customer = newCustomer();
      const a = await createProduct(null, 10, '5.00');
      const b = await createProduct(null, 4, '7.00');
      const orderId = await placedOrder(customer, [
        [a, 3],
        [b, 4],
      ]);
      expect([await stockOf(a.id), await stockOf(b.id)]).toEqual([7, 0]);

      const res = await cancel(customer, orderId);
      expect(res.statusCode).toBe(200);
      expect(res.json<OrderJson>()).toMatchObject({
        status: 'cancelled',
        total_price: '43.00',
        items_count: 7,
        status_history: [{ status: 'pending' }, { status: 'placed' }, { status: 'cancelled' }],
      });
      expect([await stockOf(a.id), await stockOf(b.id)]).toEqual([10, 4]);
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
      const again = await cancel(customer, orderId);
      expectError(again, 409, 'INVALID_TRANSITION');
      expect(again.json()).toMatchObject({ current_status: 'cancelled' });
      expect(await orderState(orderId)).toEqual(before);
      expect([await stockOf(a.id), await stockOf(b.id)]).toEqual([10, 4]);
    });

    it.each<OrderStatus>(['failed', 'shipped', 'delivered', 'cancelled'])(
      'a %s order is 409 INVALID_TRANSITION and stays exactly as it was',
      async (status) => {
        const { customer, orderId } = await orderIn(status);
        const before = await orderState(orderId);
        const res = await cancel(customer, orderId);
        expectError(res, 409, 'INVALID_TRANSITION');
        expect(res.json()).toMatchObject({ current_status: status });
        expect(await orderState(orderId)).toEqual(before);
        expect(await statusOf(orderId)).toBe(status);
      },
    );
  });

  describe('seller: GET /api/seller/orders', () => {
    it("lists only the orders with the seller's products, each with only that seller's lines and their total and count", async () => {
      const s1 = newSeller();
      const s2 = newSeller();
      const a = await createProduct(s1.id, 50, '10.00');
      const a2 = await createProduct(s1.id, 50, '2.50');
      const b = await createProduct(s2.id, 50, '7.00');
      const loose = await createProduct(null, 50, '1.00');

      const onlyMine = await placedOrder(newCustomer(), [[a, 2]]);
      const mixed = await placedOrder(newCustomer(), [
        [a, 1],
        [a2, 3],
        [b, 4],
        [loose, 5],
      ]);
      const notMine = await placedOrder(newCustomer(), [[b, 1]]);
      await pendingOrder(newCustomer(), [[a, 1]]);

      const res = await sellerList(s1);
      expect(res.statusCode).toBe(200);
      const page = res.json<OrderPage>();
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

      const forS2 = (await sellerList(s2)).json<OrderPage>();
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
      expect((await sellerList(newSeller())).json()).toEqual({ orders: [], next_cursor: null });
    });

    it('walks every order exactly once with limit and cursor, and ?status= keeps one status (also across pages)', async () => {
      const seller = newSeller();
      const product = await createProduct(seller.id, 100);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await placedOrder(newCustomer(), [[product, 1]]));
      for (const id of ids.slice(0, 2)) expect((await sellerAct(seller, id, 'ship')).statusCode).toBe(200);
      expect((await sellerAct(seller, ids[0]!, 'deliver')).statusCode).toBe(200);

      const all = await walk((query) => sellerList(seller, query), 'limit=2');
      expect(all.pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(all.ids).toEqual(await newestFirst('id = ANY($1)', [ids]));

      const placed = await walk((query) => sellerList(seller, query), 'status=placed&limit=2');
      expect(placed.pages.map((p) => p.length)).toEqual([2, 1]);
      expect(placed.ids).toEqual(await newestFirst('id = ANY($1)', [ids.slice(2)]));
      for (const order of placed.pages.flat()) expect(order.status).toBe('placed');

      expect((await walk((query) => sellerList(seller, query), 'status=shipped&limit=1')).ids).toEqual([ids[1]]);
      expect((await walk((query) => sellerList(seller, query), 'status=delivered')).ids).toEqual([ids[0]]);
      expect((await walk((query) => sellerList(seller, query), 'status=pending')).ids).toEqual([]);
      expectError(await sellerList(seller, '?status=lost'), 400, 'VALIDATION_ERROR');
      expectError(await sellerList(seller, '?cursor=not-a-cursor'), 400, 'VALIDATION_ERROR');
    });
  });

  describe('seller: POST /api/seller/orders/:id/ship and /deliver', () => {
    it("moves an order whose every line is the seller's placed → shipped → delivered, with history rows and order.shipped / order.delivered events", async () => {
      const seller = newSeller();
      const a = await createProduct(seller.id, 10, '3.00');
      const b = await createProduct(seller.id, 10, '4.00');
      const customer = newCustomer();
      const orderId = await placedOrder(customer, [
        [a, 1],
        [b, 2],
      ]);

      const shipped = await sellerAct(seller, orderId, 'ship');
      expect(shipped.statusCode).toBe(200);
      expect(shipped.json<OrderJson>()).toMatchObject({
        order_id: orderId,
        status: 'shipped',
        total_price: '11.00',
        items_count: 3,
        status_history: [{ status: 'pending' }, { status: 'placed' }, { status: 'shipped' }],
      });
      expect(await statusOf(orderId)).toBe('shipped');

      const delivered = await sellerAct(seller, orderId, 'deliver');
      expect(delivered.statusCode).toBe(200);
      expect(delivered.json<OrderJson>()).toMatchObject({
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
      expect((await getOrder(customer, orderId)).json()).toMatchObject({ status: 'delivered' });
    });

    it.each<[string, (mine: ProductJson, theirs: ProductJson, unowned: ProductJson) => Line[]]>([
      ['lines of two sellers', (mine, theirs) => [[mine, 1], [theirs, 1]]],
      ['a line of the seller and a line with no seller', (mine, _theirs, unowned) => [[mine, 1], [unowned, 1]]],
    ])('an order with %s is 403 FORBIDDEN to ship or deliver and stays unchanged', async (_label, lines) => {
      const s1 = newSeller();
      const s2 = newSeller();
      const mine = await createProduct(s1.id);
      const theirs = await createProduct(s2.id);
      const unowned = await createProduct(null);
      const orderId = await placedOrder(newCustomer(), lines(mine, theirs, unowned));
      const before = await orderState(orderId);

      for (const seller of [s1, s2]) {
        const owns = lines(mine, theirs, unowned).some(([product]) => product.seller_id === seller.id);
        for (const action of ['ship', 'deliver'] as const) {
          const res = await sellerAct(seller, orderId, action);
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
      const mine = await createProduct(seller.id);
      const theirs = await createProduct(other.id);
      const notMine = await placedOrder(newCustomer(), [[theirs, 1]]);
      const pending = await pendingOrder(newCustomer(), [[mine, 1]]);
      const unknownBody = (await sellerAct(seller, randomUUID(), 'ship')).json();

      for (const id of [notMine, pending, randomUUID(), 'not-a-uuid', '12345']) {
        const before = isUuidLike(id) ? await orderState(id) : null;
        for (const action of ['ship', 'deliver'] as const) {
          const res = await sellerAct(seller, id, action);
          expectError(res, 404, 'ORDER_NOT_FOUND');
          expect(res.json()).toEqual(unknownBody);
        }
        if (before) expect(await orderState(id)).toEqual(before);
      }
      expect(await statusOf(notMine)).toBe('placed');
      expect(await statusOf(pending)).toBe('pending');
    });

    it('shipping twice and delivering before shipping are 409 INVALID_TRANSITION; a delivered order cannot be shipped or delivered again', async () => {
      const seller = newSeller();
      const product = await createProduct(seller.id);
      const orderId = await placedOrder(newCustomer(), [[product, 1]]);

      let before = await orderState(orderId);
      const early = await sellerAct(seller, orderId, 'deliver');
      expectError(early, 409, 'INVALID_TRANSITION');
      expect(early.json()).toMatchObject({ current_status: 'placed' });
      expect(await orderState(orderId)).toEqual(before);

      expect((await sellerAct(seller, orderId, 'ship')).statusCode).toBe(200);
      before = await orderState(orderId);
      const twice = await sellerAct(seller, orderId, 'ship');
      expectError(twice, 409, 'INVALID_TRANSITION');
      expect(twice.json()).toMatchObject({ current_status: 'shipped' });
      expect(await orderState(orderId)).toEqual(before);

      expect((await sellerAct(seller, orderId, 'deliver')).statusCode).toBe(200);
      before = await orderState(orderId);
      for (const action of ['ship', 'deliver'] as const) expectError(await sellerAct(seller, orderId, action), 409, 'INVALID_TRANSITION');
      expect(await orderState(orderId)).toEqual(before);
    });

    it('a cancelled order of the seller cannot be shipped (409 INVALID_TRANSITION), and its stock stays given back', async () => {
      const seller = newSeller();
      const product = await createProduct(seller.id, 5);
      const customer = newCustomer();
      const orderId = await placedOrder(customer, [[product, 2]]);
      expect((await cancel(customer, orderId)).statusCode).toBe(200);
      const before = await orderState(orderId);
      expectError(await sellerAct(seller, orderId, 'ship'), 409, 'INVALID_TRANSITION');
      expect(await orderState(orderId)).toEqual(before);
      expect(await stockOf(product.id)).toBe(5);
    });

    it('customer and admin tokens are 403 FORBIDDEN on every seller route; no token is 401', async () => {
      const seller = newSeller();
      const product = await createProduct(seller.id);
      const customer = newCustomer();
      const orderId = await placedOrder(customer, [[product, 1]]);
      const before = await orderState(orderId);

      for (const party of [customer, newCustomer(), ADMIN]) {
        expectError(await sellerList(party), 403, 'FORBIDDEN');
        expectError(await sellerAct(party, orderId, 'ship'), 403, 'FORBIDDEN');
        expectError(await sellerAct(party, orderId, 'deliver'), 403, 'FORBIDDEN');
      }
      const anonymous: Party = { id: 'nobody', headers: {} };
      expectError(await sellerList(anonymous), 401, 'UNAUTHORIZED');
      expectError(await sellerAct(anonymous, orderId, 'ship'), 401, 'UNAUTHORIZED');
      expect(await orderState(orderId)).toEqual(before);
    });
  });

  describe('admin: GET /api/admin/orders', () => {
    it("sees every user's orders newest first, walks them with limit and cursor, and ?status= keeps one status", async () => {
      const alice = newCustomer();
      const bob = newCustomer();
      const product = await createProduct(null, 100);
      const mine = [
        await placedOrder(alice, [[product, 1]]),
        await placedOrder(bob, [[product, 2]]),
        (await orderIn('failed')).orderId,
        (await orderIn('shipped')).orderId,
        await pendingOrder(alice, [[product, 1]]),
      ];

      const everything = await newestFirst('true');
      const first = await adminList('?limit=100');
      expect(first.statusCode).toBe(200);
      expect(first.json<OrderPage>().orders.map((order) => order.order_id)).toEqual(everything.slice(0, 100));
      for (const id of mine) expect(everything).toContain(id);

      const paged = await walk((query) => adminList(query), 'limit=3');
      expect(paged.ids).toEqual(everything);
      expect(paged.pages.slice(0, -1).every((p) => p.length === 3)).toBe(true);

      for (const status of ORDER_STATUSES) {
        const filtered = await walk((query) => adminList(query), `status=${status}&limit=4`);
        expect(filtered.ids).toEqual(await newestFirst('status = $1', [status]));
        for (const order of filtered.pages.flat()) expect(order.status).toBe(status);
      }
      // the whole order, not one seller's share
      const alicePlaced = first.json<OrderPage>().orders.find((order) => order.order_id === mine[0]);
      expect(alicePlaced).toMatchObject({ status: 'placed', total_price: '10.00', items_count: 1 });
      expectError(await adminList('?status=lost'), 400, 'VALIDATION_ERROR');
    });
  });

  describe('admin: PATCH /api/admin/orders/:id', () => {
    it('pending → cancelled: no stock moves, the cart stays, history and an order.cancelled event', async () => {
      const customer = newCustomer();
      const product = await createProduct(null, 10);
      const orderId = await pendingOrder(customer, [[product, 4]]);
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
      const customer = newCustomer();
      const product = await createProduct(null, 10);
      const orderId = await pendingOrder(customer, [[product, 4]]);
      const order = await adminMove(orderId, 'failed');
      expect(order).toMatchObject({ failure_reason: 'REJECTED', items: [], total_price: null });
      expect(await stockOf(product.id)).toBe(10);
      expect((await historyOf(orderId)).at(-1)).toEqual({ status: 'failed', actor: 'admin:admin1' });
      expect(await orderEventsOf(orderId)).toEqual([
        { type: 'order.failed', user_id: customer.id, data: { order_id: orderId, failure_reason: 'REJECTED', products: [] } },
      ]);
      // no longer pending: the cart can change again
      const patched = await t.app.inject({
        method: 'POST',
        url: '/api/cart',
        headers: customer.headers,
        payload: { product_id: product.id, quantity: 1 },
      });
      expect(patched.statusCode).toBe(200);
    });

    it('pending → placed runs the real placement: stock taken, items and totals written, the cart cleared, an order.placed event', async () => {
      const customer = newCustomer();
      const a = await createProduct('seller-x', 10, '2.25');
      const b = await createProduct(null, 3, '10.00');
      const orderId = await pendingOrder(customer, [
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
      expectError(await adminPatch(orderId, { status: 'cancelled' }), 409, 'INVALID_TRANSITION');
      expect(await stockOf(product.id)).toBe(20);
    });

    it.each(ILLEGAL_MOVES)('%s → %s is 409 INVALID_TRANSITION and changes nothing', async (from, to) => {
      const { orderId } = await orderIn(from);
      const before = await orderState(orderId);
      const res = await adminPatch(orderId, { status: to });
      expectError(res, 409, 'INVALID_TRANSITION');
      expect(res.json()).toMatchObject({ current_status: from });
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
      expectError(await adminPatch(orderId, payload), 400, 'VALIDATION_ERROR');
      expect(await orderState(orderId)).toEqual(before);
    });

    it('no body at all is 400 VALIDATION_ERROR', async () => {
      const { orderId } = await orderIn('placed');
      const before = await orderState(orderId);
      const res = await t.app.inject({ method: 'PATCH', url: `/api/admin/orders/${orderId}`, headers: ADMIN.headers });
      expectError(res, 400, 'VALIDATION_ERROR');
      expect(await orderState(orderId)).toEqual(before);
    });

    it.each<OrderStatus>(['placed', 'shipped', 'cancelled', 'failed'])(
      'an unknown or non-UUID id is 404 ORDER_NOT_FOUND (moving to %s)',
      async (status) => {
        expectError(await adminPatch(randomUUID(), { status }), 404, 'ORDER_NOT_FOUND');
        expectError(await adminPatch('not-a-uuid', { status }), 404, 'ORDER_NOT_FOUND');
      },
    );

    it('customer and seller tokens are 403 FORBIDDEN, no token is 401, and the order is unchanged', async () => {
      const { customer, orderId } = await orderIn('placed');
      const before = await orderState(orderId);
      for (const party of [customer, newCustomer(), newSeller()]) {
        expectError(await adminPatch(orderId, { status: 'shipped' }, party), 403, 'FORBIDDEN');
        expectError(await adminPatch(orderId, { status: 'cancelled' }, party), 403, 'FORBIDDEN');
        expectError(await adminList('', party), 403, 'FORBIDDEN');
      }
      const anonymous: Party = { id: 'nobody', headers: {} };
      expectError(await adminPatch(orderId, { status: 'shipped' }, anonymous), 401, 'UNAUTHORIZED');
      expectError(await adminList('', anonymous), 401, 'UNAUTHORIZED');
      expect(await orderState(orderId)).toEqual(before);
    });
  });

  describe('concurrent moves', () => {
    it('a customer cancel racing the placement (8 times): the cancel always wins in the end, and stock is conserved', async () => {
      const product = await createProduct(null, 100);
      const initial = 100;
      const outcomes: string[] = [];
      for (let round = 0; round < 8; round++) {
        const customer = newCustomer();
        const quantity = (round % 3) + 1;
        const orderId = await pendingOrder(customer, [[product, quantity]]);
        // odd rounds give the cancel a head start of a few milliseconds, so both orders of arrival are exercised
        const place = async () => {
          if (round % 2 === 1) await new Promise((resolve) => setTimeout(resolve, round));
          return placeOrder(t.app.db, orderId);
        };
        const [cancelled, placement] = await Promise.all([cancel(customer, orderId), place()]);

        // cancel is allowed from pending and from placed, so whichever commits first, it succeeds
        expect(cancelled.statusCode).toBe(200);
        expect(cancelled.json()).toMatchObject({ status: 'cancelled' });
        expect(await statusOf(orderId)).toBe('cancelled');
        const history = (await historyOf(orderId)).map((row) => row.status);
        const events = await orderEventsOf(orderId);
        if (placement.status === 'placed') {
          expect(history).toEqual(['pending', 'placed', 'cancelled']);
          expect(events.map((event) => [event.type, event.data.previous_status])).toEqual([
            ['order.placed', undefined],
            ['order.cancelled', 'placed'],
          ]);
        } else {
          expect(placement).toEqual({ status: 'skipped', current: 'cancelled' });
          expect(history).toEqual(['pending', 'cancelled']);
          expect(events.map((event) => [event.type, event.data.previous_status])).toEqual([['order.cancelled', 'pending']]);
        }
        outcomes.push(placement.status);
        await expectStockConserved(product.id, initial);
      }
      expect(outcomes).toHaveLength(8);
      expect(await stockOf(product.id)).toBe(initial);
    });

    it('two admins moving one placed order at once (shipped vs cancelled): exactly one 200, the other 409, stock matches the winner', async () => {
      const product = await createProduct(null, 100);
      for (let round = 0; round < 6; round++) {
        const orderId = await placedOrder(newCustomer(), [[product, 2]]);
        const attempts: Array<[Party, OrderStatus]> =
          round % 2 === 0
            ? [
                [ADMIN, 'shipped'],
                [OTHER_ADMIN, 'cancelled'],
              ]
            : [
                [OTHER_ADMIN, 'cancelled'],
                [ADMIN, 'shipped'],
              ];
        const responses = await Promise.all(attempts.map(([party, status]) => adminPatch(orderId, { status }, party)));
        expect(responses.map((res) => res.statusCode).sort()).toEqual([200, 409]);
        const winner = responses.findIndex((res) => res.statusCode === 200);
        const [winnerParty, winnerStatus] = attempts[winner]!;
        expectError(responses[1 - winner]!, 409, 'INVALID_TRANSITION');
        expect(responses[1 - winner]!.json()).toMatchObject({ current_status: winnerStatus });
        expect(await statusOf(orderId)).toBe(winnerStatus);
        expect(await historyOf(orderId)).toEqual([
          expect.objectContaining({ status: 'pending' }),
          { status: 'placed', actor: 'worker' },
          { status: winnerStatus, actor: `admin:${winnerParty.id}` },
        ]);
        expect((await orderEventsOf(orderId)).map((event) => event.type)).toEqual(['order.placed', `order.${winnerStatus}`]);
        await expectStockConserved(product.id, 100);
      }
    });

    it('the customer and an admin cancelling one placed order at once: one 200, one 409, the stock given back exactly once', async () => {
      const product = await createProduct(null, 50);
      for (let round = 0; round < 4; round++) {
        const customer = newCustomer();
        const orderId = await placedOrder(customer, [[product, 5]]);
        const responses = await Promise.all([cancel(customer, orderId), adminPatch(orderId, { status: 'cancelled' })]);
        expect(responses.map((res) => res.statusCode).sort()).toEqual([200, 409]);
        expectError(responses.find((res) => res.statusCode === 409)!, 409, 'INVALID_TRANSITION');
        expect((await historyOf(orderId)).map((row) => row.status)).toEqual(['pending', 'placed', 'cancelled']);
        expect((await orderEventsOf(orderId)).map((event) => event.type)).toEqual(['order.placed', 'order.cancelled']);
        expect(await stockOf(product.id)).toBe(50);
      }
    });

    it('a seller shipping while the customer cancels the same placed order: exactly one wins, stock matches the winner', async () => {
      const seller = newSeller();
      const product = await createProduct(seller.id, 100);
      for (let round = 0; round < 6; round++) {
        const customer = newCustomer();
        const orderId = await placedOrder(customer, [[product, 3]]);
        const [shipped, cancelled] =
          round % 2 === 0
            ? await Promise.all([sellerAct(seller, orderId, 'ship'), cancel(customer, orderId)])
            : await Promise.all([cancel(customer, orderId), sellerAct(seller, orderId, 'ship')]).then(([c, s]) => [s, c] as const);
        expect([shipped.statusCode, cancelled.statusCode].sort()).toEqual([200, 409]);
        const final = await statusOf(orderId);
        if (shipped.statusCode === 200) {
          expect(final).toBe('shipped');
          expectError(cancelled, 409, 'INVALID_TRANSITION');
        } else {
          expect(final).toBe('cancelled');
          expectError(shipped, 409, 'INVALID_TRANSITION');
        }
        expect((await historyOf(orderId)).map((row) => row.status)).toEqual(['pending', 'placed', final]);
        await expectStockConserved(product.id, 100);
      }
    });
  });

  describe('authorization sweep', () => {
    it("another user's order is 404 on every /api/orders route, exactly like an unknown id, and another seller's order is 404 on every seller route", async () => {
      const s1 = newSeller();
      const s2 = newSeller();
      const product = await createProduct(s1.id, 10);
      const alice = newCustomer();
      const bob = newCustomer();
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
          const res = await t.app.inject({ method, url, headers: intruder.headers });
          expectError(res, 404, 'ORDER_NOT_FOUND');
          const missing = await t.app.inject({ method, url: url.replace(orderId, unknown), headers: intruder.headers });
          expect(res.json()).toEqual(missing.json());
        }
        const list = await t.app.inject({ method: 'GET', url: '/api/orders', headers: intruder.headers });
        expect(list.statusCode).toBe(200);
        expect(list.json<OrderPage>().orders.map((order) => order.order_id)).not.toContain(orderId);
      }

      for (const action of ['ship', 'deliver'] as const) {
        const res = await sellerAct(s2, orderId, action);
        expectError(res, 404, 'ORDER_NOT_FOUND');
        expect(res.json()).toEqual((await sellerAct(s2, unknown, action)).json());
      }
      expect((await sellerList(s2)).json<OrderPage>().orders.map((order) => order.order_id)).not.toContain(orderId);

      expect(await orderState(orderId)).toEqual(before);
      expect((await getOrder(alice, orderId)).json()).toMatchObject({ status: 'placed' });
    });

    it('the wrong role is 403 FORBIDDEN on every /api/seller and /api/admin route, and no token is 401', async () => {
      const seller = newSeller();
      const product = await createProduct(seller.id, 10);
      const alice = newCustomer();
      const orderId = await placedOrder(alice, [[product, 1]]);
      const before = await orderState(orderId);
      const productBefore = await t.sql('SELECT * FROM products WHERE id = $1', [product.id]);
      const productCount = await t.sql('SELECT count(*)::int AS n FROM products');

      const sellerRoutes = [
        { method: 'GET', url: '/api/seller/orders' },
        { method: 'POST', url: `/api/seller/orders/${orderId}/ship` },
        { method: 'POST', url: `/api/seller/orders/${orderId}/deliver` },
      ] as const;
      const adminRoutes = [
        { method: 'GET', url: '/api/admin/orders' },
        { method: 'PATCH', url: `/api/admin/orders/${orderId}`, payload: { status: 'cancelled' } },
        { method: 'POST', url: '/api/admin/products', payload: { name: 'Stolen', price: '1.00', stock: 1 } },
        { method: 'PATCH', url: `/api/admin/products/${product.id}`, payload: { stock: 0 } },
      ] as const;

      const sweep: Array<[Party, ReadonlyArray<{ method: 'GET' | 'POST' | 'PATCH'; url: string; payload?: object }>]> = [
        [alice, sellerRoutes],
        [ADMIN, sellerRoutes],
        [alice, adminRoutes],
        [seller, adminRoutes],
      ];
      for (const [party, routes] of sweep) {
        for (const route of routes) {
          const res = await t.app.inject({ ...route, headers: party.headers });
          expect({ who: party.id, ...route, statusCode: res.statusCode }).toEqual({ who: party.id, ...route, statusCode: 403 });
          expectError(res, 403, 'FORBIDDEN');
        }
      }
      for (const route of [...sellerRoutes, ...adminRoutes]) {
        const res = await t.app.inject({ ...route });
        expectError(res, 401, 'UNAUTHORIZED');
      }

      expect(await orderState(orderId)).toEqual(before);
      expect(await t.sql('SELECT * FROM products WHERE id = $1', [product.id])).toEqual(productBefore);
      expect(await t.sql('SELECT count(*)::int AS n FROM products')).toEqual(productCount);
    });
  });
});

/** A string PostgreSQL would accept as a uuid (so the order's rows can be read for it). */
function isUuidLike(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
