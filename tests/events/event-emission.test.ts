import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { cancelOrder } from '../../shared/orders/order-service';
import type { OrderStatus } from '../../shared/domain/order-status';
import { EVENT_TYPES, type MlEvent } from '../../shared/events/event-catalogue';
import { transitionOrder } from '../../shared/orders/order-status-repository';
import { placeOrder } from '../../shared/placement/place-order';
import { expirePendingOrders } from '../../shared/orders/expire-pending-orders';
import { OutboxRelay } from '../../worker/relay/outbox-relay';
import { createProductViaApi, startTestApp, type TestApp } from '../support/test-app';
import { bearer, tokenFor } from '../support/tokens';
import { envelopeErrors, eventsOfType, expectValidEntry, readStream, relaySettings, silentLog, type StreamEntry } from './ml-stream';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const admin = bearer(tokenFor('admin-events', 'admin'));
const CHECKOUT_BODY = { contact: 'events@example.com', address: '1 Test Street, Testville' };

interface User {
  id: string;
  headers: Record<string, string>;
}

interface OutboxRow {
  event_id: string;
  type: string;
  aggregate_id: string;
  user_id: string;
}

describe('ML events: every action emits its event, in the outbox and then in the stream', () => {
  let t: TestApp;
  let redis: Redis;
  let pg: Client;
  let relay: OutboxRelay;
  let users = 0;

  beforeAll(async () => {
    t = await startTestApp();
    redis = new Redis(t.config.REDIS_URL);
    pg = new Client({ connectionString: t.config.DATABASE_URL });
    await pg.connect();
    relay = new OutboxRelay(redis, relaySettings(t.config), silentLog);
  });
  afterAll(async () => {
    await redis.del(t.config.ML_EVENTS_STREAM);
    await t.app.checkoutQueue.obliterate({ force: true });
    await pg.end();
    await redis.quit();
    await t.close();
  });

  const newUser = (): User => {
    const id = `events-user-${++users}-${randomUUID().slice(0, 8)}`;
    return { id, headers: bearer(tokenFor(id)) };
  };

  const createProduct = async (price: string, stock: number) => (await createProductViaApi(t.app, { price, stock })).id;

  const addToCart = (user: User, productId: string, quantity: number) =>
    t.app.inject({ method: 'POST', url: '/api/cart', headers: user.headers, payload: { product_id: productId, quantity } });
  const setQuantity = (user: User, lineId: string, quantity: number) =>
    t.app.inject({ method: 'PATCH', url: `/api/cart/${lineId}`, headers: user.headers, payload: { quantity } });
  const removeLine = (user: User, lineId: string) =>
    t.app.inject({ method: 'DELETE', url: `/api/cart/${lineId}`, headers: user.headers });
  const checkout = (user: User) => t.app.inject({ method: 'POST', url: '/api/checkout', headers: user.headers, payload: CHECKOUT_BODY });

  async function addLine(user: User, productId: string, quantity: number): Promise<string> {
    const res = await addToCart(user, productId, quantity);
    expect([200, 201]).toContain(res.statusCode);
    return res.json<{ id: string }>().id;
  }

  async function checkoutOk(user: User): Promise<string> {
    const res = await checkout(user);
    expect(res.statusCode).toBe(202);
    return res.json<{ order_id: string }>().order_id;
  }

  async function moveOrder(orderId: string, to: OrderStatus): Promise<void> {
    const moved = await t.app.db.transaction((transaction) => transitionOrder({ db: t.app.db, transaction }, { orderId, to, actor: 'admin:test' }));
    expect(moved).toBe(true);
  }

  const outboxOf = (userId: string) =>
    t.sql<OutboxRow>('SELECT event_id, type, aggregate_id, user_id FROM outbox_events WHERE user_id = $1 ORDER BY id', [userId]);

  /** Publishes everything the outbox holds with the relay, then returns the whole stream. */
  async function publishAndRead(): Promise<StreamEntry[]> {
    while ((await relay.publishBatch(pg)) > 0);
    const [left] = await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL');
    expect(left!.n).toBe(0);
    return readStream(redis, t.config.ML_EVENTS_STREAM);
  }

  /** The published events of one user, in stream order, each checked against its schema and its outbox row. */
  async function publishedFor(userId: string): Promise<MlEvent[]> {
    const entries = (await publishAndRead()).filter((entry) => entry.event?.user_id === userId);
    const rows = await outboxOf(userId);
    for (const entry of entries) expectValidEntry(entry);
    // each committed row is in the stream exactly once, in outbox order
    expect(entries.map((entry) => [entry.event.event_id, entry.type])).toEqual(rows.map((row) => [row.event_id, row.type]));
    return entries.map((entry) => entry.event);
  }

  describe('cart events', () => {
    it('adding a product emits cart.item_added with the quantity, the line quantity and the unit price', async () => {
      const user = newUser();
      const product = await createProduct('19.99', 10);
      expect((await addToCart(user, product, 2)).statusCode).toBe(201);

      const events = await publishedFor(user.id);

      expect(events).toEqual([
        {
          event_id: expect.stringMatching(UUID),
          type: 'cart.item_added',
          version: 1,
          occurred_at: expect.stringMatching(ISO_UTC),
          user_id: user.id,
          data: { product_id: product, quantity: 2, line_quantity: 2, unit_price: '19.99' },
        },
      ]);
      const [row] = await outboxOf(user.id);
      expect(row!.aggregate_id).toBe(user.id);
    });

    it('re-adding a product emits cart.item_added with the added quantity and the merged line quantity', async () => {
      const user = newUser();
      const product = await createProduct('5.00', 20);
      expect((await addToCart(user, product, 2)).statusCode).toBe(201);
      expect((await addToCart(user, product, 3)).statusCode).toBe(200);

      const events = await publishedFor(user.id);

      expect(events.map((event) => [event.type, event.data])).toEqual([
        ['cart.item_added', { product_id: product, quantity: 2, line_quantity: 2, unit_price: '5.00' }],
        ['cart.item_added', { product_id: product, quantity: 3, line_quantity: 5, unit_price: '5.00' }],
      ]);
      expect(new Set(events.map((event) => event.event_id)).size).toBe(2);
    });

    it('PATCH emits the difference: item_added when raised, item_removed when lowered, nothing when unchanged', async () => {
      const user = newUser();
      const product = await createProduct('2.50', 20);
      const line = await addLine(user, product, 4);

      expect((await setQuantity(user, line, 7)).statusCode).toBe(200);
      expect((await setQuantity(user, line, 2)).statusCode).toBe(200);
      expect((await setQuantity(user, line, 2)).statusCode).toBe(200);

      const events = await publishedFor(user.id);

      expect(events.map((event) => [event.type, event.data])).toEqual([
        ['cart.item_added', { product_id: product, quantity: 4, line_quantity: 4, unit_price: '2.50' }],
        ['cart.item_added', { product_id: product, quantity: 3, line_quantity: 7, unit_price: '2.50' }],
        ['cart.item_removed', { product_id: product, quantity: 5, line_quantity: 2, unit_price: '2.50' }],
      ]);
    });

    it('DELETE emits cart.item_removed with the whole line and line_quantity 0', async () => {
      const user = newUser();
      const product = await createProduct('1.10', 20);
      const line = await addLine(user, product, 6);

      expect((await removeLine(user, line)).statusCode).toBe(204);

      const events = await publishedFor(user.id);
      expect(events.map((event) => [event.type, event.data])).toEqual([
        ['cart.item_added', { product_id: product, quantity: 6, line_quantity: 6, unit_price: '1.10' }],
        ['cart.item_removed', { product_id: product, quantity: 6, line_quantity: 0, unit_price: '1.10' }],
      ]);
    });

    it('a cart event carries the price at the time of the change', async () => {
      const user = newUser();
      const product = await createProduct('3.00', 20);
      const line = await addLine(user, product, 1);
      const repriced = await t.app.inject({ method: 'PATCH', url: `/api/admin/products/${product}`, headers: admin, payload: { price: '3.50' } });
      expect(repriced.statusCode).toBe(200);
      expect((await setQuantity(user, line, 2)).statusCode).toBe(200);

      const events = await publishedFor(user.id);
      expect(events.map((event) => (event.data as { unit_price: string }).unit_price)).toEqual(['3.00', '3.50']);
    });
  });

  describe('checkout and order events', () => {
    it('checkout emits checkout.requested with the order id, the units and the cart total', async () => {
      const user = newUser();
      const a = await createProduct('19.99', 10);
      const b = await createProduct('5.50', 10);
      await addLine(user, a, 2);
      await addLine(user, b, 1);

      const orderId = await checkoutOk(user);

      const requested = eventsOfType(
        (await publishAndRead()).filter((entry) => entry.event.user_id === user.id),
        'checkout.requested',
      );
      expect(requested).toEqual([
        {
          event_id: expect.stringMatching(UUID),
          type: 'checkout.requested',
          version: 1,
          occurred_at: expect.stringMatching(ISO_UTC),
          user_id: user.id,
          data: { order_id: orderId, items_count: 3, total_price: '45.48' },
        },
      ]);
      await publishedFor(user.id);
      const rows = await outboxOf(user.id);
      expect(rows.filter((row) => row.type === 'checkout.requested').map((row) => row.aggregate_id)).toEqual([orderId]);
    });

    it('placement emits order.placed with the total, the units and every sold item at its unit price', async () => {
      const user = newUser();
      const a = await createProduct('19.99', 10);
      const b = await createProduct('0.99', 10);
      await addLine(user, a, 1);
      await addLine(user, b, 3);
      const orderId = await checkoutOk(user);

      expect(await placeOrder(t.app.db, orderId)).toEqual({ status: 'placed', totalPrice: '22.96', itemsCount: 4 });

      const events = await publishedFor(user.id);
      const placed = events.filter((event) => event.type === 'order.placed');
      expect(placed).toHaveLength(1);
      expect(placed[0]!.data).toEqual({
        order_id: orderId,
        total_price: '22.96',
        items_count: 4,
        items: expect.arrayContaining([
          { product_id: a, quantity: 1, unit_price: '19.99' },
          { product_id: b, quantity: 3, unit_price: '0.99' },
        ]),
      });
      expect((placed[0]!.data as { items: unknown[] }).items).toHaveLength(2);
      expect(events.map((event) => event.type)).toEqual(['cart.item_added', 'cart.item_added', 'checkout.requested', 'order.placed']);
      const rows = await outboxOf(user.id);
      expect(rows.find((row) => row.type === 'order.placed')!.aggregate_id).toBe(orderId);
    });

    it('a placement short of stock emits order.failed with OUT_OF_STOCK and the short products', async () => {
      const user = newUser();
      const plenty = await createProduct('1.00', 10);
      const scarce = await createProduct('4.00', 5);
      await addLine(user, plenty, 2);
      await addLine(user, scarce, 3);
      const orderId = await checkoutOk(user);
      await t.sql('UPDATE products SET stock = 1 WHERE id = $1', [scarce]);

      expect(await placeOrder(t.app.db, orderId)).toEqual({ status: 'failed', reason: 'OUT_OF_STOCK' });

      const events = await publishedFor(user.id);
      expect(events.filter((event) => event.type.startsWith('order.'))).toEqual([
        {
          event_id: expect.stringMatching(UUID),
          type: 'order.failed',
          version: 1,
          occurred_at: expect.stringMatching(ISO_UTC),
          user_id: user.id,
          data: { order_id: orderId, failure_reason: 'OUT_OF_STOCK', products: [{ product_id: scarce, requested: 3, available: 1 }] },
        },
      ]);
    });

    it('cancelling a pending order emits order.cancelled with previous_status pending and no totals', async () => {
      const user = newUser();
      const product = await createProduct('7.00', 10);
      await addLine(user, product, 1);
      const orderId = await checkoutOk(user);

      await cancelOrder(t.app.db, { orderId, actor: `customer:${user.id}`, ownerId: user.id });

      const events = await publishedFor(user.id);
      const cancelled = events.filter((event) => event.type === 'order.cancelled');
      expect(cancelled.map((event) => event.data)).toEqual([
        { order_id: orderId, previous_status: 'pending', total_price: null, items_count: null },
      ]);
    });

    it('cancelling a placed order emits order.cancelled with previous_status placed and the order totals', async () => {
      const user = newUser();
      const product = await createProduct('7.25', 10);
      await addLine(user, product, 2);
      const orderId = await checkoutOk(user);
      expect((await placeOrder(t.app.db, orderId)).status).toBe('placed');

      await cancelOrder(t.app.db, { orderId, actor: `customer:${user.id}`, ownerId: user.id });

      const events = await publishedFor(user.id);
      expect(events.map((event) => event.type)).toEqual(['cart.item_added', 'checkout.requested', 'order.placed', 'order.cancelled']);
      expect(events[3]!.data).toEqual({ order_id: orderId, previous_status: 'placed', total_price: '14.50', items_count: 2 });
    });

    it('shipping and delivering emit order.shipped and order.delivered with the order id', async () => {
      const user = newUser();
      const product = await createProduct('9.00', 10);
      await addLine(user, product, 1);
      const orderId = await checkoutOk(user);
      expect((await placeOrder(t.app.db, orderId)).status).toBe('placed');

      await moveOrder(orderId, 'shipped');
      await moveOrder(orderId, 'delivered');

      const events = await publishedFor(user.id);
      expect(events.slice(-2).map((event) => [event.type, event.data])).toEqual([
        ['order.shipped', { order_id: orderId }],
        ['order.delivered', { order_id: orderId }],
      ]);
      const rows = await outboxOf(user.id);
      expect(rows.slice(-2).map((row) => row.aggregate_id)).toEqual([orderId, orderId]);
    });

    it('an order the reconciler expires emits order.failed with PROCESSING_ERROR and no products', async () => {
      const user = newUser();
      const product = await createProduct('6.00', 10);
      await addLine(user, product, 1);
      const orderId = await checkoutOk(user);

      expect(await expirePendingOrders(t.app.db, 0)).toContain(orderId);

      const events = await publishedFor(user.id);
      expect(events.filter((event) => event.type === 'order.failed').map((event) => event.data)).toEqual([
        { order_id: orderId, failure_reason: 'PROCESSING_ERROR', products: [] },
      ]);
    });

    it('a replayed checkout (same Idempotency-Key) and a second placement emit nothing more', async () => {
      const user = newUser();
      const product = await createProduct('8.00', 10);
      await addLine(user, product, 1);
      const headers = { ...user.headers, 'idempotency-key': `key-${user.id}` };
      const first = await t.app.inject({ method: 'POST', url: '/api/checkout', headers, payload: CHECKOUT_BODY });
      const replay = await t.app.inject({ method: 'POST', url: '/api/checkout', headers, payload: CHECKOUT_BODY });
      expect([first.statusCode, replay.statusCode]).toEqual([202, 202]);
      const orderId = first.json<{ order_id: string }>().order_id;
      expect(replay.json<{ order_id: string }>().order_id).toBe(orderId);

      expect((await placeOrder(t.app.db, orderId)).status).toBe('placed');
      expect(await placeOrder(t.app.db, orderId)).toEqual({ status: 'skipped', current: 'placed' });

      const events = await publishedFor(user.id);
      expect(events.map((event) => event.type)).toEqual(['cart.item_added', 'checkout.requested', 'order.placed']);
    });

    it('a refused transition emits nothing', async () => {
      const user = newUser();
      const product = await createProduct('9.00', 10);
      await addLine(user, product, 1);
      const orderId = await checkoutOk(user);
      const before = await outboxOf(user.id);

      const moved = await t.app.db.transaction((transaction) =>
        transitionOrder({ db: t.app.db, transaction }, { orderId, to: 'delivered', actor: 'admin:test' }),
      );

      expect(moved).toBe(false);
      expect(await outboxOf(user.id)).toEqual(before);
    });
  });

  describe('a change that rolls back emits nothing', () => {
    it('an add refused with 409 OUT_OF_STOCK leaves no outbox row', async () => {
      const user = newUser();
      const product = await createProduct('1.00', 3);

      const refused = await addToCart(user, product, 4);

      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ code: 'OUT_OF_STOCK' });
      expect(await outboxOf(user.id)).toEqual([]);
    });

    it('a re-add whose merged line exceeds the stock (409) leaves only the first add', async () => {
      const user = newUser();
      const product = await createProduct('1.00', 5);
      await addLine(user, product, 3);

      const refused = await addToCart(user, product, 3);

      expect(refused.statusCode).toBe(409);
      expect((await outboxOf(user.id)).map((row) => row.type)).toEqual(['cart.item_added']);
    });

    it('a re-add refused with 422 CART_LINE_LIMIT leaves only the first add', async () => {
      const user = newUser();
      const product = await createProduct('1.00', 1000);
      await addLine(user, product, 60);

      const refused = await addToCart(user, product, 50);

      expect(refused.statusCode).toBe(422);
      expect(refused.json()).toMatchObject({ code: 'CART_LINE_LIMIT' });
      expect((await outboxOf(user.id)).map((row) => row.type)).toEqual(['cart.item_added']);
    });

    it('a PATCH refused with 409 OUT_OF_STOCK leaves no outbox row for it', async () => {
      const user = newUser();
      const product = await createProduct('1.00', 5);
      const line = await addLine(user, product, 1);

      const refused = await setQuantity(user, line, 6);

      expect(refused.statusCode).toBe(409);
      expect((await outboxOf(user.id)).map((row) => row.type)).toEqual(['cart.item_added']);
    });

    it('a cart change refused with 409 CHECKOUT_IN_PROGRESS leaves no outbox row for it', async () => {
      const user = newUser();
      const product = await createProduct('1.00', 10);
      const line = await addLine(user, product, 1);
      await checkoutOk(user);
      const before = await outboxOf(user.id);

      const refused = [await addToCart(user, product, 1), await setQuantity(user, line, 2), await removeLine(user, line)];

      expect(refused.map((res) => [res.statusCode, res.json<{ code: string }>().code])).toEqual([
        [409, 'CHECKOUT_IN_PROGRESS'],
        [409, 'CHECKOUT_IN_PROGRESS'],
        [409, 'CHECKOUT_IN_PROGRESS'],
      ]);
      expect(await outboxOf(user.id)).toEqual(before);
    });

    it('a checkout refused with 422 CART_EMPTY leaves no outbox row', async () => {
      const user = newUser();

      const refused = await checkout(user);

      expect(refused.statusCode).toBe(422);
      expect(refused.json()).toMatchObject({ code: 'CART_EMPTY' });
      expect(await outboxOf(user.id)).toEqual([]);
    });

    it('a transaction that calls transitionOrder and then throws leaves no outbox row', async () => {
      const user = newUser();
      const product = await createProduct('2.00', 10);
      await addLine(user, product, 1);
      const orderId = await checkoutOk(user);
      expect((await placeOrder(t.app.db, orderId)).status).toBe('placed');
      const before = await outboxOf(user.id);

      let movedInside: boolean | undefined;
      const attempt = t.app.db.transaction(async (transaction) => {
        movedInside = await transitionOrder({ db: t.app.db, transaction }, { orderId, to: 'shipped', actor: 'admin:test' });
        throw new Error('carrier API failed after the status change');
      });

      await expect(attempt).rejects.toThrow('carrier API failed');
      expect(movedInside).toBe(true);
      expect(await outboxOf(user.id)).toEqual(before);
      expect(await t.sql('SELECT status FROM orders WHERE id = $1', [orderId])).toEqual([{ status: 'placed' }]);
      const published = (await publishAndRead()).filter((entry) => entry.event.user_id === user.id);
      expect(published.map((entry) => entry.type)).not.toContain('order.shipped');
    });
  });

  it('the envelope check has teeth: a wrong money format, an extra field or a mismatched type field is reported', async () => {
    const user = newUser();
    const product = await createProduct('4.00', 10);
    await addLine(user, product, 1);
    const [entry] = (await publishAndRead()).filter((e) => e.event.user_id === user.id);
    expect(envelopeErrors(entry!)).toEqual([]);

    const badMoney = { ...entry!, event: { ...entry!.event, data: { ...entry!.event.data, unit_price: '4' } } } as unknown as StreamEntry;
    const extraField = { ...entry!, event: { ...entry!.event, extra: true } } as unknown as StreamEntry;
    const otherType = { ...entry!, type: 'cart.item_removed' };

    expect(envelopeErrors(badMoney)).not.toEqual([]);
    expect(envelopeErrors(extraField)).not.toEqual([]);
    expect(envelopeErrors(otherType)).not.toEqual([]);
  });

  it('one story emits all eight event types, and every entry in the stream is a schema-valid envelope', async () => {
    const shopper = newUser();
    const product = await createProduct('12.00', 10);
    const scarce = await createProduct('3.00', 2);
    const line = await addLine(shopper, product, 3);
    expect((await setQuantity(shopper, line, 2)).statusCode).toBe(200);
    const delivered = await checkoutOk(shopper);
    expect((await placeOrder(t.app.db, delivered)).status).toBe('placed');
    await moveOrder(delivered, 'shipped');
    await moveOrder(delivered, 'delivered');
    await addLine(shopper, product, 1);
    const cancelled = await checkoutOk(shopper);
    await cancelOrder(t.app.db, { orderId: cancelled, actor: `customer:${shopper.id}`, ownerId: shopper.id });
    await addLine(shopper, scarce, 2);
    const failed = await checkoutOk(shopper);
    await t.sql('UPDATE products SET stock = 0 WHERE id = $1', [scarce]);
    expect(await placeOrder(t.app.db, failed)).toEqual({ status: 'failed', reason: 'OUT_OF_STOCK' });

    const entries = await publishAndRead();

    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expectValidEntry(entry);
    const story = entries.filter((entry) => entry.event.user_id === shopper.id);
    expect(new Set(story.map((entry) => entry.type))).toEqual(new Set(EVENT_TYPES));
    expect(story.map((entry) => entry.type)).toEqual([
      'cart.item_added',
      'cart.item_removed',
      'checkout.requested',
      'order.placed',
      'order.shipped',
      'order.delivered',
      'cart.item_added',
      'checkout.requested',
      'order.cancelled',
      'cart.item_added',
      'checkout.requested',
      'order.failed',
    ]);
    // the stream holds each committed event once: what the outbox holds, nothing more
    const outboxIds = (await t.sql<{ event_id: string }>('SELECT event_id FROM outbox_events ORDER BY id')).map((row) => row.event_id);
    expect(entries.map((entry) => entry.event.event_id)).toEqual(outboxIds);
  });
});
