import { newUser } from '../support/actors';
import { expectError } from '../support/expectations';
import { givenFor } from '../support/given';
import { dbFor } from '../support/db';
import { CHECKOUT_BODY, routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

describe('one pending checkout per user', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { snapshot, statusesOf } = dbFor(t);

  it('a second checkout while one is pending is 409 CHECKOUT_IN_PROGRESS naming the pending order, with or without a different key', async () => {
    const { user } = await given.userWithCart();
    const pendingId = await given.checkoutOk(user, CHECKOUT_BODY, { 'idempotency-key': 'first-key' });
    const before = await snapshot();

    for (const headers of [{}, { 'idempotency-key': 'second-key' }] as Array<Record<string, string>>) {
      const res = await api.checkout(user, CHECKOUT_BODY, headers);
      expectError(res, 409, 'CHECKOUT_IN_PROGRESS');
      expect(res.body).toMatchObject({ order_id: pendingId });
    }
    const otherBody = await api.checkout(user, { contact: 'someone else', address: '2 Other Road' });
    expectError(otherBody, 409, 'CHECKOUT_IN_PROGRESS');
    expect(otherBody.body).toMatchObject({ order_id: pendingId });
    expect(await snapshot()).toEqual(before);
  });

  it('cart POST, PATCH and DELETE while a checkout is pending are 409 CHECKOUT_IN_PROGRESS and leave the cart unchanged; after a cancel they work again', async () => {
    const user = newUser();
    const first = await given.product({ price: '2.00', stock: 20 });
    const second = await given.product({ price: '3.00', stock: 20 });
    const line = await given.cart(user, first.id, 2);
    const pendingId = await given.checkoutOk(user);
    const before = await snapshot();

    const refused = [
      await api.addToCart(user, { product_id: second.id }),
      await api.addToCart(user, { product_id: first.id }),
      await api.patchLine(user, line.id, { quantity: 5 }),
      await api.deleteLine(user, line.id),
    ];
    for (const res of refused) {
      expectError(res, 409, 'CHECKOUT_IN_PROGRESS');
      expect(res.body).toMatchObject({ order_id: pendingId });
    }
    expect(await snapshot()).toEqual(before);
    // reading the cart is still allowed
    const cart = await api.getCart(user);
    expect(cart.status).toBe(200);
    expect(cart.body).toMatchObject({ items_count: 2, total_price: '4.00' });

    expect((await api.cancel(user, pendingId)).status).toBe(200);
    const added = await api.addToCart(user, { product_id: second.id });
    expect(added.status).toBe(201);
    const patched = await api.patchLine(user, line.id, { quantity: 5 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ quantity: 5 });
    const removed = await api.deleteLine(user, added.body.id);
    expect(removed.status).toBe(204);
    expect(await t.sql('SELECT id, quantity FROM cart_items WHERE user_id = $1', [user.id])).toEqual([{ id: line.id, quantity: 5 }]);

    // and a new checkout is accepted once nothing is pending
    const nextId = await given.checkoutOk(user);
    expect(nextId).not.toBe(pendingId);
  });

  it('3 concurrent checkouts without a key: one 202, the others 409 CHECKOUT_IN_PROGRESS naming that order', async () => {
    const { user } = await given.userWithCart();
    const responses = await Promise.all([api.checkout(user), api.checkout(user), api.checkout(user)]);
    expect(responses.map((res) => res.status).sort()).toEqual([202, 409, 409]);
    const orderId = responses.find((res) => res.status === 202)!.body.order_id;
    for (const res of responses.filter((r) => r.status === 409)) {
      expect(res.body).toMatchObject({ code: 'CHECKOUT_IN_PROGRESS', order_id: orderId });
    }
    expect(await t.sql('SELECT id FROM orders WHERE user_id = $1', [user.id])).toEqual([{ id: orderId }]);
    expect(await statusesOf(orderId)).toEqual(['pending']);
  });

  it("one user's pending checkout does not block another user's cart or checkout", async () => {
    const product = await given.product({ price: '1.00', stock: 20 });
    const { user: alice } = await given.userWithCart(1, product);
    const { user: bob } = await given.userWithCart(1, product);
    const aliceOrder = await given.checkoutOk(alice);
    await given.cart(bob, product.id, 1);
    const bobOrder = await given.checkoutOk(bob);
    expect(bobOrder).not.toBe(aliceOrder);
  });
});