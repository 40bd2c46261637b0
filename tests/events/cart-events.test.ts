import { newUser } from '../support/actors';
import { dbFor } from '../support/db';
import { ISO_UTC, UUID } from '../support/expectations';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';
import { useEventStream } from './ml-stream';

describe('ML events of the cart: every change emits its event, in the outbox and then in the stream', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { outboxOf } = dbFor(t);
  const { publishedFor } = useEventStream(t);

  it('adding a product emits cart.item_added with the quantity, the line quantity and the unit price', async () => {
    const user = newUser();
    const product = (await given.product({ price: '19.99', stock: 10 })).id;
    expect((await api.addToCart(user, { product_id: product, quantity: 2 })).status).toBe(201);

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
    const product = (await given.product({ price: '5.00', stock: 20 })).id;
    expect((await api.addToCart(user, { product_id: product, quantity: 2 })).status).toBe(201);
    expect((await api.addToCart(user, { product_id: product, quantity: 3 })).status).toBe(200);

    const events = await publishedFor(user.id);

    expect(events.map((event) => [event.type, event.data])).toEqual([
      ['cart.item_added', { product_id: product, quantity: 2, line_quantity: 2, unit_price: '5.00' }],
      ['cart.item_added', { product_id: product, quantity: 3, line_quantity: 5, unit_price: '5.00' }],
    ]);
    expect(new Set(events.map((event) => event.event_id)).size).toBe(2);
  });

  it('PATCH emits the difference: item_added when raised, item_removed when lowered, nothing when unchanged', async () => {
    const user = newUser();
    const product = (await given.product({ price: '2.50', stock: 20 })).id;
    const line = (await given.cart(user, product, 4)).id;

    expect((await api.patchLine(user, line, { quantity: 7 })).status).toBe(200);
    expect((await api.patchLine(user, line, { quantity: 2 })).status).toBe(200);
    expect((await api.patchLine(user, line, { quantity: 2 })).status).toBe(200);

    const events = await publishedFor(user.id);

    expect(events.map((event) => [event.type, event.data])).toEqual([
      ['cart.item_added', { product_id: product, quantity: 4, line_quantity: 4, unit_price: '2.50' }],
      ['cart.item_added', { product_id: product, quantity: 3, line_quantity: 7, unit_price: '2.50' }],
      ['cart.item_removed', { product_id: product, quantity: 5, line_quantity: 2, unit_price: '2.50' }],
    ]);
  });

  it('DELETE emits cart.item_removed with the whole line and line_quantity 0', async () => {
    const user = newUser();
    const product = (await given.product({ price: '1.10', stock: 20 })).id;
    const line = (await given.cart(user, product, 6)).id;

    expect((await api.deleteLine(user, line)).status).toBe(204);

    const events = await publishedFor(user.id);
    expect(events.map((event) => [event.type, event.data])).toEqual([
      ['cart.item_added', { product_id: product, quantity: 6, line_quantity: 6, unit_price: '1.10' }],
      ['cart.item_removed', { product_id: product, quantity: 6, line_quantity: 0, unit_price: '1.10' }],
    ]);
  });

  it('a cart event carries the price at the time of the change', async () => {
    const user = newUser();
    const product = (await given.product({ price: '3.00', stock: 20 })).id;
    const line = (await given.cart(user, product, 1)).id;
    await given.productChanged(product, { price: '3.50' });
    expect((await api.patchLine(user, line, { quantity: 2 })).status).toBe(200);

    const events = await publishedFor(user.id);
    expect(events.map((event) => (event.data as { unit_price: string }).unit_price)).toEqual(['3.00', '3.50']);
  });
});
