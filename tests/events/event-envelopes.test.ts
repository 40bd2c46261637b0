import { cancelOrder } from '../../shared/orders/order-service';
import { EVENT_TYPES } from '../../shared/events/event-catalogue';
import { placeOrder } from '../../shared/placement/place-order';
import { newUser } from '../support/actors';
import { dbFor } from '../support/db';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';
import { envelopeErrors, expectValidEntry, useEventStream, type StreamEntry } from './ml-stream';

describe('ML event envelopes: every entry in the stream is schema-valid', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { moveOrder } = dbFor(t);
  const { publishAndRead } = useEventStream(t);

  it('the envelope check has teeth: a wrong money format, an extra field or a mismatched type field is reported', async () => {
    const user = newUser();
    const product = (await given.product({ price: '4.00', stock: 10 })).id;
    await given.cart(user, product, 1);
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
    const product = (await given.product({ price: '12.00', stock: 10 })).id;
    const scarce = (await given.product({ price: '3.00', stock: 2 })).id;
    const line = (await given.cart(shopper, product, 3)).id;
    expect((await api.patchLine(shopper, line, { quantity: 2 })).status).toBe(200);
    const delivered = await given.checkoutOk(shopper);
    expect((await placeOrder(t.app.db, delivered)).status).toBe('placed');
    await moveOrder(delivered, 'shipped', { actor: 'admin:test' });
    await moveOrder(delivered, 'delivered', { actor: 'admin:test' });
    const cancelled = await given.pendingOrder(shopper, [[product, 1]]);
    await cancelOrder(t.app.db, { orderId: cancelled, actor: `customer:${shopper.id}`, ownerId: shopper.id });
    const failed = await given.pendingOrder(shopper, [[scarce, 2]]);
    await t.sql('UPDATE products SET stock = 0 WHERE id = $1', [scarce]);
    expect(await placeOrder(t.app.db, failed)).toEqual({
      status: 'failed',
      reason: 'OUT_OF_STOCK',
      details: { products: [{ product_id: scarce, requested: 2, available: 0 }] },
    });

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
