import type { OrderStatus } from '../../shared/domain/order-status';
import { placeOrder } from '../../shared/placement/place-order';
import { admin, newSeller, newUser, type Actor } from '../support/actors';
import { expectError } from '../support/expectations';
import { givenFor } from '../support/given';
import { dbFor } from '../support/db';
import { ADMIN, lifecycleFor } from '../support/order-lifecycle';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

const OTHER_ADMIN = admin('admin2');

describe('concurrent moves of one order: exactly one wins, and stock is conserved', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { stockOf, statusOf, historyOf, orderEventsOf, expectStockConserved } = dbFor(t);
  const { placedOrder } = lifecycleFor(t);

  it('a customer cancel racing the placement (8 times): the cancel always wins in the end, and stock is conserved', async () => {
    const product = await given.product({ seller_id: null, stock: 100 });
    const initial = 100;
    const outcomes: string[] = [];
    for (let round = 0; round < 8; round++) {
      const customer = newUser('customer');
      const quantity = (round % 3) + 1;
      const orderId = await given.pendingOrder(customer, [[product, quantity]]);
      // odd rounds give the cancel a head start of a few milliseconds, so both orders of arrival are exercised
      const place = async () => {
        if (round % 2 === 1) await new Promise((resolve) => setTimeout(resolve, round));
        return placeOrder(t.app.db, orderId);
      };
      const [cancelled, placement] = await Promise.all([api.cancel(customer, orderId), place()]);

      // cancel is allowed from pending and from placed, so whichever commits first, it succeeds
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ status: 'cancelled' });
      expect(await statusOf(orderId)).toBe('cancelled');
      const history = (await historyOf(orderId)).map((row) => row.status);
      const events = await orderEventsOf(orderId);
      if (placement.status === 'placed') {
        expect(history).toEqual(['pending', 'placed', 'cancelled']);
        expect(events.map((event) => [event.type, event.data.previous_status])).toEqual([
          ['order.placed', undefined],
          ['order.cancelled', 'placed'],
        ]);
      } else {
        expect(placement).toEqual({ status: 'skipped', current: 'cancelled' });
        expect(history).toEqual(['pending', 'cancelled']);
        expect(events.map((event) => [event.type, event.data.previous_status])).toEqual([['order.cancelled', 'pending']]);
      }
      outcomes.push(placement.status);
      await expectStockConserved(product.id, initial);
    }
    expect(outcomes).toHaveLength(8);
    expect(await stockOf(product.id)).toBe(initial);
  });

  it('two admins moving one placed order at once (shipped vs cancelled): exactly one 200, the other 409, stock matches the winner', async () => {
    const product = await given.product({ seller_id: null, stock: 100 });
    for (let round = 0; round < 6; round++) {
      const orderId = await placedOrder(newUser('customer'), [[product, 2]]);
      const attempts: Array<[Actor, OrderStatus]> =
        round % 2 === 0
          ? [
              [ADMIN, 'shipped'],
              [OTHER_ADMIN, 'cancelled'],
            ]
          : [
              [OTHER_ADMIN, 'cancelled'],
              [ADMIN, 'shipped'],
            ];
      const responses = await Promise.all(attempts.map(([party, status]) => api.adminPatchOrder(party, orderId, { status })));
      expect(responses.map((res) => res.status).sort()).toEqual([200, 409]);
      const winner = responses.findIndex((res) => res.status === 200);
      const [winnerParty, winnerStatus] = attempts[winner]!;
      expectError(responses[1 - winner]!, 409, 'INVALID_TRANSITION');
      expect(responses[1 - winner]!.body).toMatchObject({ current_status: winnerStatus });
      expect(await statusOf(orderId)).toBe(winnerStatus);
      expect(await historyOf(orderId)).toEqual([
        expect.objectContaining({ status: 'pending' }),
        { status: 'placed', actor: 'worker' },
        { status: winnerStatus, actor: `admin:${winnerParty.id}` },
      ]);
      expect((await orderEventsOf(orderId)).map((event) => event.type)).toEqual(['order.placed', `order.${winnerStatus}`]);
      await expectStockConserved(product.id, 100);
    }
  });

  it('the customer and an admin cancelling one placed order at once: one 200, one 409, the stock given back exactly once', async () => {
    const product = await given.product({ seller_id: null, stock: 50 });
    for (let round = 0; round < 4; round++) {
      const customer = newUser('customer');
      const orderId = await placedOrder(customer, [[product, 5]]);
      const responses = await Promise.all([api.cancel(customer, orderId), api.adminPatchOrder(ADMIN, orderId, { status: 'cancelled' })]);
      expect(responses.map((res) => res.status).sort()).toEqual([200, 409]);
      expectError(responses.find((res) => res.status === 409)!, 409, 'INVALID_TRANSITION');
      expect((await historyOf(orderId)).map((row) => row.status)).toEqual(['pending', 'placed', 'cancelled']);
      expect((await orderEventsOf(orderId)).map((event) => event.type)).toEqual(['order.placed', 'order.cancelled']);
      expect(await stockOf(product.id)).toBe(50);
    }
  });

  it('a seller shipping while the customer cancels the same placed order: exactly one wins, stock matches the winner', async () => {
    const seller = newSeller();
    const product = await given.product({ seller_id: seller.id, stock: 100 });
    for (let round = 0; round < 6; round++) {
      const customer = newUser('customer');
      const orderId = await placedOrder(customer, [[product, 3]]);
      const [shipped, cancelled] =
        round % 2 === 0
          ? await Promise.all([api.sellerMove(seller, orderId, 'ship'), api.cancel(customer, orderId)])
          : await Promise.all([api.cancel(customer, orderId), api.sellerMove(seller, orderId, 'ship')]).then(([c, s]) => [s, c] as const);
      expect([shipped.status, cancelled.status].sort()).toEqual([200, 409]);
      const final = await statusOf(orderId);
      if (shipped.status === 200) {
        expect(final).toBe('shipped');
        expectError(cancelled, 409, 'INVALID_TRANSITION');
      } else {
        expect(final).toBe('cancelled');
        expectError(shipped, 409, 'INVALID_TRANSITION');
      }
      expect((await historyOf(orderId)).map((row) => row.status)).toEqual(['pending', 'placed', final]);
      await expectStockConserved(product.id, 100);
    }
  });
});
