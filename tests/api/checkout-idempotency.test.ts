import { expectError } from '../support/expectations';
import { givenFor } from '../support/given';
import { dbFor } from '../support/db';
import { CHECKOUT_BODY, routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

describe('checkout with an Idempotency-Key: the same key and body replay the order, another body is refused', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { snapshot, statusesOf, moveOrder } = dbFor(t);

  it('the same key and body replays the identical 202 with the same order, even after the order left pending', async () => {
    const { user } = await given.userWithCart();
    const headers = { 'idempotency-key': 'replay-key-1' };
    const first = await api.checkout(user, CHECKOUT_BODY, headers);
    expect(first.status).toBe(202);
    const orderId = first.body.order_id;

    const second = await api.checkout(user, CHECKOUT_BODY, headers);
    expect(second.status).toBe(202);
    expect(second.text).toBe(first.text);
    expect(second.headers.location).toBe(first.headers.location);
    expect(second.headers['retry-after']).toBe(first.headers['retry-after']);

    expect((await api.cancel(user, orderId)).status).toBe(200);
    const third = await api.checkout(user, CHECKOUT_BODY, headers);
    expect(third.status).toBe(202);
    expect(third.body).toEqual(first.body);

    expect(await t.sql('SELECT id, status FROM orders WHERE user_id = $1', [user.id])).toEqual([{ id: orderId, status: 'cancelled' }]);
    expect(await t.sql('SELECT key, order_id FROM idempotency_keys WHERE user_id = $1', [user.id])).toEqual([
      { key: 'replay-key-1', order_id: orderId },
    ]);
    expect(await statusesOf(orderId)).toEqual(['pending', 'cancelled']);
    expect(await t.app.checkoutQueue.getJob(orderId)).toBeDefined();
  });

  it('the same key with a different body is 422 IDEMPOTENCY_KEY_REUSED and changes nothing, while pending and after', async () => {
    const { user } = await given.userWithCart();
    const headers = { 'idempotency-key': 'reuse-key' };
    const orderId = await given.checkoutOk(user, CHECKOUT_BODY, headers);
    const variants = [
      { ...CHECKOUT_BODY, contact: 'bob@example.com' },
      { ...CHECKOUT_BODY, address: '2 Other Street, Testville' },
    ];

    let before = await snapshot();
    for (const body of variants) expectError(await api.checkout(user, body, headers), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await snapshot()).toEqual(before);

    expect((await api.cancel(user, orderId)).status).toBe(200);
    before = await snapshot();
    for (const body of variants) expectError(await api.checkout(user, body, headers), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await snapshot()).toEqual(before);
  });

  it("the same key from another user is independent: it creates that user's own order", async () => {
    const product = await given.product();
    const { user: alice } = await given.userWithCart(1, product);
    const { user: bob } = await given.userWithCart(1, product);
    const headers = { 'idempotency-key': 'shared-key' };
    const aliceOrder = await given.checkoutOk(alice, CHECKOUT_BODY, headers);
    const bobOrder = await given.checkoutOk(bob, CHECKOUT_BODY, headers);
    expect(bobOrder).not.toBe(aliceOrder);

    expect(await t.sql('SELECT user_id FROM orders WHERE id = $1', [bobOrder])).toEqual([{ user_id: bob.id }]);
    expect(await t.sql('SELECT user_id, order_id FROM idempotency_keys WHERE key = $1 ORDER BY order_id', ['shared-key'])).toEqual(
      expect.arrayContaining([
        { user_id: alice.id, order_id: aliceOrder },
        { user_id: bob.id, order_id: bobOrder },
      ]),
    );
    // bob's reuse of the key with another body is his own business: alice's record is untouched
    expectError(await api.checkout(bob, { ...CHECKOUT_BODY, contact: 'other contact' }, headers), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect((await api.checkout(alice, CHECKOUT_BODY, headers)).body).toMatchObject({ order_id: aliceOrder });
  });

  it('5 concurrent requests with the same key and body all get 202 with the same order_id, and one order exists', async () => {
    const { user } = await given.userWithCart();
    const headers = { 'idempotency-key': 'race-key' };
    const before = await snapshot();
    const responses = await Promise.all(Array.from({ length: 5 }, () => api.checkout(user, CHECKOUT_BODY, headers)));

    expect(responses.map((res) => res.status)).toEqual([202, 202, 202, 202, 202]);
    const ids = new Set(responses.map((res) => res.body.order_id));
    expect(ids.size).toBe(1);
    const [orderId] = [...ids];
    for (const res of responses) expect(res.text).toBe(responses[0]!.text);

    expect(await t.sql('SELECT id FROM orders WHERE user_id = $1', [user.id])).toEqual([{ id: orderId }]);
    expect(await t.sql('SELECT order_id FROM idempotency_keys WHERE user_id = $1', [user.id])).toEqual([{ order_id: orderId }]);
    expect(await statusesOf(orderId!)).toEqual(['pending']);
    const after = await snapshot();
    expect(after.counts).toEqual({ ...before.counts, orders: before.counts!.orders! + 1, history: before.counts!.history! + 1, idempotency_keys: before.counts!.idempotency_keys! + 1 });
    expect(after.jobs).toBe(before.jobs + 1);
  });

  it('concurrent requests with the same key and different bodies: one 202, the other 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const { user } = await given.userWithCart();
    const headers = { 'idempotency-key': 'race-two-bodies' };
    const bodies = [CHECKOUT_BODY, { ...CHECKOUT_BODY, contact: 'bob@example.com' }];
    const responses = await Promise.all(bodies.map((body) => api.checkout(user, body, headers)));
    expect(responses.map((res) => res.status).sort()).toEqual([202, 422]);
    expect(responses.find((res) => res.status === 422)!.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    const winner = responses.findIndex((res) => res.status === 202);
    const orderId = responses[winner]!.body.order_id;
    expect(await t.sql('SELECT id, contact FROM orders WHERE user_id = $1', [user.id])).toEqual([
      { id: orderId, contact: bodies[winner]!.contact },
    ]);
    expect(await t.sql('SELECT order_id FROM idempotency_keys WHERE user_id = $1', [user.id])).toEqual([{ order_id: orderId }]);
  });

  it('a key is remembered for 24 h: at 23 h it still replays, past 24 h it can be reused for a new order', async () => {
    const { user } = await given.userWithCart();
    const headers = { 'idempotency-key': 'daily-key' };
    const oldId = await given.checkoutOk(user, CHECKOUT_BODY, headers);

    await t.sql(`UPDATE idempotency_keys SET created_at = now() - interval '23 hours' WHERE user_id = $1`, [user.id]);
    expect((await api.checkout(user, CHECKOUT_BODY, headers)).body).toMatchObject({ order_id: oldId });
    expect(await t.sql('SELECT count(*)::int AS n FROM orders WHERE user_id = $1', [user.id])).toEqual([{ n: 1 }]);

    await t.sql(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE user_id = $1`, [user.id]);
    // an expired key does not get around the one-pending-checkout rule
    const blocked = await api.checkout(user, CHECKOUT_BODY, headers);
    expectError(blocked, 409, 'CHECKOUT_IN_PROGRESS');
    expect(blocked.body).toMatchObject({ order_id: oldId });

    await moveOrder(oldId, 'failed', { failure: { reason: 'OUT_OF_STOCK', details: { products: [] } } });
    // a failed order leaves the cart as it was, so the same body checks out again
    const res = await api.checkout(user, CHECKOUT_BODY, headers);
    expect(res.status).toBe(202);
    const newId = res.body.order_id;
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
    expect((await api.checkout(user, CHECKOUT_BODY, headers)).body).toMatchObject({ order_id: newId });
  });
});