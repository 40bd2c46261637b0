import { lifecycleFor } from '../support/order-lifecycle';
import { randomUUID } from 'node:crypto';
import { newUser, type Actor } from '../support/actors';
import { committedTransactionsDuring } from '../support/committed-transactions';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

/**
 * Polls that come while the order reads in flight are busy are read together,
 * in one statement (ORDER_READS_IN_FLIGHT=1 here, so any concurrent polls
 * batch): each poll still gets exactly what it would get alone. PostgreSQL
 * counts the reads: each is a transaction of its own on this file's database,
 * which only the app uses, over its one connection.
 */
describe('order polls read together', () => {
  const t = useTestApp({ ORDER_READS_IN_FLIGHT: '1', DB_POOL_MAX: '1' });
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { place } = lifecycleFor(t);

  it('15 concurrent polls cost at most 3 reads, and each gets what it would alone: owners their order, anyone else and unknown ids 404', async () => {
    const owners: Array<{ user: Actor; orderId: string }> = [];
    for (let i = 0; i < 3; i += 1) {
      const { user } = await given.userWithCart(i + 1);
      owners.push({ user, orderId: await given.checkoutOk(user) });
    }
    await place(owners[0]!.orderId);
    const alone = await Promise.all(owners.map(async ({ user, orderId }) => (await api.getOrder(user, orderId)).body));
    const onePoll = await committedTransactionsDuring(t, () => api.getOrder(owners[0]!.user, owners[0]!.orderId));
    expect(onePoll.transactions).toBe(1);

    const stranger = newUser('stranger');
    const polls = owners.flatMap(({ user, orderId }, i) => [
      { who: user, orderId, expected: { status: 200, body: alone[i] } },
      { who: owners[(i + 1) % owners.length]!.user, orderId, expected: { status: 404 } },
      { who: stranger, orderId, expected: { status: 404 } },
      { who: user, orderId, expected: { status: 200, body: alone[i] } },
      { who: user, orderId: randomUUID(), expected: { status: 404 } },
    ]);
    const few = polls.length / 5;
    // how many reads a burst takes depends on when each poll arrives: sent up to 5 times, every answer checked each time
    let fewest = Infinity;
    for (let attempt = 0; attempt < 5 && fewest > few; attempt += 1) {
      const { result: answers, transactions } = await committedTransactionsDuring(t, () =>
        Promise.all(polls.map(({ who, orderId }) => api.getOrder(who, orderId))),
      );
      polls.forEach(({ expected }, i) => {
        expect(answers[i]!.status).toBe(expected.status);
        if (expected.status === 200) expect(answers[i]!.body).toEqual(expected.body);
        else expect(answers[i]!.body).toMatchObject({ code: 'ORDER_NOT_FOUND' });
      });
      fewest = Math.min(fewest, transactions);
    }
    expect(fewest).toBeLessThanOrEqual(few);
  });
});
