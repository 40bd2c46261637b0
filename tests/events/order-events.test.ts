import { cancelOrder } from '../../shared/orders/order-service';
import { orderMoved } from '../../shared/orders/order-events';
import { transitionOrder } from '../../shared/orders/order-status-repository';
import { placeOrder } from '../../shared/placement/place-order';
import { expirePendingOrders } from '../../shared/orders/expire-pending-orders';
import { newUser } from '../support/actors';
import { dbFor } from '../support/db';
import { ISO_UTC, UUID } from '../support/expectations';
import { givenFor } from '../support/given';
import { CHECKOUT_BODY, routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';
import { eventsOfType, useEventStream } from './ml-stream';

describe('ML events of checkout and orders: every move emits its event, once', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { outboxOf, moveOrder } = dbFor(t);
  const { publishAndRead, publishedFor } = useEventStream(t);

  it('checkout emits checkout.requested with the order id, the units and the cart total', async () => {
    const user = newUser();
    const a = (await given.product({ price: '19.99', stock: 10 })).id;
    const b = (await given.product({ price: '5.50', stock: 10 })).id;
    await given.cart(user, a, 2);
    await given.cart(user, b, 1);

    const orderId = await given.checkoutOk(user);

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
    const a = (await given.product({ price: '19.99', stock: 10 })).id;
    const b = (await given.product({ price: '0.99', stock: 10 })).id;
    const orderId = await given.pendingOrder(user, [[a, 1], [b, 3]]);

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
    const plenty = (await given.product({ price: '1.00', stock: 10 })).id;
    const scarce = (await given.product({ price: '4.00', stock: 5 })).id;
    const orderId = await given.pendingOrder(user, [[plenty, 2], [scarce, 3]]);
    await t.sql('UPDATE products SET stock = 1 WHERE id = $1', [scarce]);

    expect(await placeOrder(t.app.db, orderId)).toEqual({
      status: 'failed',
      reason: 'OUT_OF_STOCK',
      details: { products: [{ product_id: scarce, requested: 3, available: 1 }] },
    });

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
    const product = (await given.product({ price: '7.00', stock: 10 })).id;
    const orderId = await given.pendingOrder(user, [[product, 1]]);

    await cancelOrder(t.app.db, { orderId, actor: `customer:${user.id}`, ownerId: user.id });

    const events = await publishedFor(user.id);
    const cancelled = events.filter((event) => event.type === 'order.cancelled');
    expect(cancelled.map((event) => event.data)).toEqual([
      { order_id: orderId, previous_status: 'pending', total_price: null, items_count: null },
    ]);
  });

  it('cancelling a placed order emits order.cancelled with previous_status placed and the order totals', async () => {
    const user = newUser();
    const product = (await given.product({ price: '7.25', stock: 10 })).id;
    const orderId = await given.pendingOrder(user, [[product, 2]]);
    expect((await placeOrder(t.app.db, orderId)).status).toBe('placed');

    await cancelOrder(t.app.db, { orderId, actor: `customer:${user.id}`, ownerId: user.id });

    const events = await publishedFor(user.id);
    expect(events.map((event) => event.type)).toEqual(['cart.item_added', 'checkout.requested', 'order.placed', 'order.cancelled']);
    expect(events[3]!.data).toEqual({ order_id: orderId, previous_status: 'placed', total_price: '14.50', items_count: 2 });
  });

  it('shipping and delivering emit order.shipped and order.delivered with the order id', async () => {
    const user = newUser();
    const product = (await given.product({ price: '9.00', stock: 10 })).id;
    const orderId = await given.pendingOrder(user, [[product, 1]]);
    expect((await placeOrder(t.app.db, orderId)).status).toBe('placed');

    await moveOrder(orderId, 'shipped', { actor: 'admin:test' });
    await moveOrder(orderId, 'delivered', { actor: 'admin:test' });

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
    const product = (await given.product({ price: '6.00', stock: 10 })).id;
    const orderId = await given.pendingOrder(user, [[product, 1]]);

    expect(await expirePendingOrders(t.app.db, 0)).toContain(orderId);

    const events = await publishedFor(user.id);
    expect(events.filter((event) => event.type === 'order.failed').map((event) => event.data)).toEqual([
      { order_id: orderId, failure_reason: 'PROCESSING_ERROR', products: [] },
    ]);
  });

  it('a replayed checkout (same Idempotency-Key) and a second placement emit nothing more', async () => {
    const user = newUser();
    const product = (await given.product({ price: '8.00', stock: 10 })).id;
    await given.cart(user, product, 1);
    const headers = { 'idempotency-key': `key-${user.id}` };
    const first = await api.checkout(user, CHECKOUT_BODY, headers);
    const replay = await api.checkout(user, CHECKOUT_BODY, headers);
    expect([first.status, replay.status]).toEqual([202, 202]);
    const orderId = first.body.order_id;
    expect(replay.body.order_id).toBe(orderId);

    expect((await placeOrder(t.app.db, orderId)).status).toBe('placed');
    expect(await placeOrder(t.app.db, orderId)).toEqual({ status: 'skipped', current: 'placed' });

    const events = await publishedFor(user.id);
    expect(events.map((event) => event.type)).toEqual(['cart.item_added', 'checkout.requested', 'order.placed']);
  });

  it('a refused transition emits nothing', async () => {
    const user = newUser();
    const product = (await given.product({ price: '9.00', stock: 10 })).id;
    const orderId = await given.pendingOrder(user, [[product, 1]]);
    const before = await outboxOf(user.id);

    const moved = await t.app.db.transaction((transaction) =>
      transitionOrder({ db: t.app.db, transaction }, { orderId, event: orderMoved(orderId, 'order.delivered'), actor: 'admin:test' }),
    );

    expect(moved).toBe(false);
    expect(await outboxOf(user.id)).toEqual(before);
  });
});
