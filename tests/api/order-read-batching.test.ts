import { randomUUID } from 'node:crypto';
import { recordQueries } from '../../bench/floors/record-queries';
import { newUser, type Actor } from '../support/actors';
import { dbFor } from '../support/db';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

/**
 * Polls that come while the order reads in flight are busy are read together,
 * in one statement (ORDER_READS_IN_FLIGHT=1 here, so any concurrent polls
 * batch): each poll still gets exactly what it would get alone.
 */
describe('order polls read together', () => {
  const t = useTestApp({ ORDER_READS_IN_FLIGHT: '1' });
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { placeFromCart } = dbFor(t);

  it('answers each concurrent poll as it would alone: owners see their order, anyone else and unknown ids get 404', async () => {
    const owners: Array<{ user: Actor; orderId: string }> = [];
    for (let i = 0; i < 3; i += 1) {
      const { user } = await given.userWithCart(i + 1);
      owners.push({ user, orderId: await given.checkoutOk(user) });
    }
    await placeFromCart(owners[0]!.orderId, owners[0]!.user.id);
    const alone = await Promise.all(owners.map(async ({ user, orderId }) => (await api.getOrder(user, orderId)).body));

    const stranger = newUser('stranger');
    const polls = owners.flatMap(({ user, orderId }, i) => [
      { who: user, orderId, expected: { status: 200, body: alone[i] } },
      { who: owners[(i + 1) % owners.length]!.user, orderId, expected: { status: 404 } },
      { who: stranger, orderId, expected: { status: 404 } },
      { who: user, orderId, expected: { status: 200, body: alone[i] } },
      { who: user, orderId: randomUUID(), expected: { status: 404 } },
    ]);
    // whether polls meet in a batch depends on timing: send the burst again until one did (each answer checked every time)
    let batched = false;
    for (let attempt = 0; attempt < 20 && !batched; attempt += 1) {
      const { result: answers, queries } = await recordQueries(() => Promise.all(polls.map(({ who, orderId }) => api.getOrder(who, orderId))));
      const statements = queries.flatMap((query) => query.name ?? []);
      polls.forEach(({ expected }, i) => {
        expect(answers[i]!.status).toBe(expected.status);
        if (expected.status === 200) expect(answers[i]!.body).toEqual(expected.body);
        else expect(answers[i]!.body).toMatchObject({ code: 'ORDER_NOT_FOUND' });
      });
      batched = statements.includes('order_find_own_many');
      if (batched) expect(statements.length).toBeLessThan(polls.length);
    }
    expect(batched).toBe(true);
  });
});
