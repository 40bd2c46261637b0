import { randomUUID } from 'node:crypto';
import { acceptCheckouts, groupingAcceptor, type CheckoutRequest } from '../../shared/checkout/checkout-service';
import { type AppError } from '../../shared/errors/error-codes';
import { newUser } from '../support/actors';
import { givenFor } from '../support/given';
import { CHECKOUT_BODY } from '../support/routes';
import { useTestApp } from '../support/test-app';

describe('checkouts accepted in groups (one transaction for many)', () => {
  const t = useTestApp();
  const given = givenFor(t.api);
  const request = (userId: string, extra: Partial<CheckoutRequest> = {}): CheckoutRequest => ({
    userId,
    body: CHECKOUT_BODY,
    requestId: `req-${randomUUID()}`,
    ...extra,
  });
  const codeOf = (result: PromiseSettledResult<unknown>) => (result.status === 'rejected' ? (result.reason as AppError).code : 'accepted');

  it('each checkout gets its own outcome, in the order given, as if alone: a repeat of a key is a replay, a reused key, a pending checkout and an empty cart are refused — one commit', async () => {
    const { user: a } = await given.userWithCart();
    const { user: b } = await given.userWithCart();
    const { user: pendingUser } = await given.userWithCart();
    const empty = newUser();
    const [earlier] = await acceptCheckouts(t.app.db, [request(pendingUser.id)]);
    expect(earlier!.status).toBe('fulfilled');

    const settled = await acceptCheckouts(t.app.db, [
      request(a.id, { idempotencyKey: 'key-a' }),
      request(empty.id),
      request(a.id, { idempotencyKey: 'key-a' }),
      request(b.id, { idempotencyKey: 'key-b' }),
      request(b.id, { idempotencyKey: 'key-b', body: { ...CHECKOUT_BODY, address: '2 Other Road, Elsewhere' } }),
      request(pendingUser.id),
    ]);

    expect(settled.map(codeOf)).toEqual(['accepted', 'CART_EMPTY', 'accepted', 'accepted', 'IDEMPOTENCY_KEY_REUSED', 'CHECKOUT_IN_PROGRESS']);
    const [first, , replay, ofB] = settled as Array<PromiseFulfilledResult<{ orderId: string; replayed: boolean }>>;
    expect(replay!.value).toEqual({ orderId: first!.value.orderId, replayed: true });
    expect(first!.value.replayed).toBe(false);
    const orders = await t.sql<{ user_id: string; created_at: Date }>(
      'SELECT user_id, created_at FROM orders WHERE user_id = ANY($1::text[]) ORDER BY user_id',
      [[a.id, b.id, empty.id]],
    );
    expect(orders.map((order) => order.user_id).sort()).toEqual([a.id, b.id].sort());
    // now() is the transaction's start: one transaction wrote both
    expect(new Set(orders.map((order) => order.created_at.getTime())).size).toBe(1);
    expect(await t.sql('SELECT type FROM outbox_events WHERE aggregate_id = $1', [ofB!.value.orderId])).toEqual([{ type: 'checkout.requested' }]);
  });

  it('groupingAcceptor: checkouts that come while one is accepted go together; a group that fails is accepted again one by one, each with its own answer', async () => {
    const users = [];
    for (let i = 0; i < 10; i++) users.push((await given.userWithCart()).user);
    const accept = groupingAcceptor(t.app.db, { maxInFlight: 1, maxBatch: 8 });

    // a NUL character PostgreSQL refuses in text: the group it falls in fails, and only that checkout is refused
    const settled = await Promise.allSettled([
      ...users.map((user) => accept(request(user.id))),
      accept(request(newUser().id, { body: { ...CHECKOUT_BODY, address: 'Nul \u0000 Road' } })),
    ]);

    expect(settled.slice(0, 10).every((result) => result.status === 'fulfilled' && !result.value.replayed)).toBe(true);
    expect(settled[10]!.status).toBe('rejected');
    const created = await t.sql<{ created_at: Date }>('SELECT created_at FROM orders WHERE user_id = ANY($1::text[])', [users.map((user) => user.id)]);
    expect(created).toHaveLength(10);
    expect(new Set(created.map((order) => order.created_at.getTime())).size).toBeLessThan(10);
  });
});
