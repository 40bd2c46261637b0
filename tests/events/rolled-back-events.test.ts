import { orderMoved } from '../../shared/orders/order-events';
import { transitionOrder } from '../../shared/orders/order-status-repository';
import { placeOrder } from '../../shared/placement/place-order';
import { newUser } from '../support/actors';
import { dbFor } from '../support/db';
import { expectError } from '../support/expectations';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';
import { useEventStream } from './ml-stream';

describe('ML events: a change that rolls back emits nothing', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { outboxOf } = dbFor(t);
  const { publishAndRead } = useEventStream(t);

  it('an add refused with 409 OUT_OF_STOCK leaves no outbox row', async () => {
    const user = newUser();
    const product = (await given.product({ price: '1.00', stock: 3 })).id;

    const refused = await api.addToCart(user, { product_id: product, quantity: 4 });

    expectError(refused, 409, 'OUT_OF_STOCK');
    expect(await outboxOf(user.id)).toEqual([]);
  });

  it('a re-add whose merged line exceeds the stock (409) leaves only the first add', async () => {
    const user = newUser();
    const product = (await given.product({ price: '1.00', stock: 5 })).id;
    await given.cart(user, product, 3);

    const refused = await api.addToCart(user, { product_id: product, quantity: 3 });

    expect(refused.status).toBe(409);
    expect((await outboxOf(user.id)).map((row) => row.type)).toEqual(['cart.item_added']);
  });

  it('a re-add refused with 422 CART_LINE_LIMIT leaves only the first add', async () => {
    const user = newUser();
    const product = (await given.product({ price: '1.00', stock: 1000 })).id;
    await given.cart(user, product, 60);

    const refused = await api.addToCart(user, { product_id: product, quantity: 50 });

    expectError(refused, 422, 'CART_LINE_LIMIT');
    expect((await outboxOf(user.id)).map((row) => row.type)).toEqual(['cart.item_added']);
  });

  it('a PATCH refused with 409 OUT_OF_STOCK leaves no outbox row for it', async () => {
    const user = newUser();
    const product = (await given.product({ price: '1.00', stock: 5 })).id;
    const line = (await given.cart(user, product, 1)).id;

    const refused = await api.patchLine(user, line, { quantity: 6 });

    expect(refused.status).toBe(409);
    expect((await outboxOf(user.id)).map((row) => row.type)).toEqual(['cart.item_added']);
  });

  it('a cart change refused with 409 CHECKOUT_IN_PROGRESS leaves no outbox row for it', async () => {
    const user = newUser();
    const product = (await given.product({ price: '1.00', stock: 10 })).id;
    const line = (await given.cart(user, product, 1)).id;
    await given.checkoutOk(user);
    const before = await outboxOf(user.id);

    const refused = [await api.addToCart(user, { product_id: product, quantity: 1 }), await api.patchLine(user, line, { quantity: 2 }), await api.deleteLine(user, line)];

    expect(refused.map((res) => [res.status, res.body.code])).toEqual([
      [409, 'CHECKOUT_IN_PROGRESS'],
      [409, 'CHECKOUT_IN_PROGRESS'],
      [409, 'CHECKOUT_IN_PROGRESS'],
    ]);
    expect(await outboxOf(user.id)).toEqual(before);
  });

  it('a checkout refused with 422 CART_EMPTY leaves no outbox row', async () => {
    const user = newUser();

    const refused = await api.checkout(user);

    expectError(refused, 422, 'CART_EMPTY');
    expect(await outboxOf(user.id)).toEqual([]);
  });

  it('a transaction that calls transitionOrder and then throws leaves no outbox row', async () => {
    const user = newUser();
    const product = (await given.product({ price: '2.00', stock: 10 })).id;
    const orderId = await given.pendingOrder(user, [[product, 1]]);
    expect((await placeOrder(t.app.db, orderId)).status).toBe('placed');
    const before = await outboxOf(user.id);

    let movedInside: boolean | undefined;
    const attempt = t.app.db.transaction(async (transaction) => {
      movedInside = await transitionOrder({ db: t.app.db, transaction }, { orderId, event: orderMoved(orderId, 'order.shipped'), actor: 'admin:test' });
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
