import { lifecycleFor } from '../support/order-lifecycle';
import { randomUUID } from 'node:crypto';
import { newUser } from '../support/actors';
import { expectError, timed } from '../support/expectations';
import { givenFor } from '../support/given';
import { dbFor } from '../support/db';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

describe('long-polling an order: GET /api/orders/:id?wait=N answers on the change or at the deadline', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { moveOrder } = dbFor(t);
  const { place } = lifecycleFor(t);

  it('?wait=1 on a pending order answers after about a second, still pending', async () => {
    const { user } = await given.userWithCart();
    const orderId = await given.checkoutOk(user);
    const { result, ms } = await timed(() => api.getOrder(user, orderId, '?wait=1'));
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ order_id: orderId, status: 'pending' });
    expect(result.headers['retry-after']).toBeDefined();
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(3_000);
  });

  it('?wait=10 answers as soon as a concurrent transaction places the order, with the new status', async () => {
    const { user } = await given.userWithCart();
    const orderId = await given.checkoutOk(user);
    const mover = new Promise<void>((resolve, reject) => {
      setTimeout(() => place(orderId).then(resolve, reject), 300);
    });
    const { result, ms } = await timed(() => api.getOrder(user, orderId, '?wait=10'));
    await mover;
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ order_id: orderId, status: 'placed', status_history: [{ status: 'pending' }, { status: 'placed' }] });
    expect(result.headers['retry-after']).toBeUndefined();
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(5_000);
  });

  it('a long-poll on an upper-case spelling of the id (which GET accepts) also wakes on the change', async () => {
    const { user } = await given.userWithCart();
    const orderId = await given.checkoutOk(user);
    const mover = new Promise<void>((resolve, reject) => {
      setTimeout(() => moveOrder(orderId, 'cancelled').then(resolve, reject), 300);
    });
    const { result, ms } = await timed(() => api.getOrder(user, orderId.toUpperCase(), '?wait=4'));
    await mover;
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ order_id: orderId, status: 'cancelled' });
    expect(ms).toBeLessThan(2_500);
  });

  it('a change of another order does not end the wait', async () => {
    const { user } = await given.userWithCart();
    const orderId = await given.checkoutOk(user);
    const { user: other } = await given.userWithCart();
    const otherId = await given.checkoutOk(other);
    const mover = new Promise<void>((resolve, reject) => {
      setTimeout(() => moveOrder(otherId, 'cancelled').then(resolve, reject), 100);
    });
    const { result, ms } = await timed(() => api.getOrder(user, orderId, '?wait=1'));
    await mover;
    expect(result.body).toMatchObject({ order_id: orderId, status: 'pending' });
    expect(ms).toBeGreaterThanOrEqual(900);
  });

  it('?wait=5 on an order that is already final answers at once', async () => {
    const { user } = await given.userWithCart();
    const orderId = await given.checkoutOk(user);
    await moveOrder(orderId, 'cancelled');
    const { result, ms } = await timed(() => api.getOrder(user, orderId, '?wait=5'));
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ status: 'cancelled' });
    expect(result.headers['retry-after']).toBeUndefined();
    expect(ms).toBeLessThan(1_000);
  });

  it('?wait=20 on an unknown order is 404 at once', async () => {
    const { result, ms } = await timed(() => api.getOrder(newUser(), randomUUID(), '?wait=20'));
    expectError(result, 404, 'ORDER_NOT_FOUND');
    expect(ms).toBeLessThan(1_000);
  });

  it.each(['21', '-1', 'abc', '1.5', '100000000000000000000'])('?wait=%s is 400 VALIDATION_ERROR', async (wait) => {
    const { user } = await given.userWithCart();
    const orderId = await given.checkoutOk(user);
    const { result, ms } = await timed(() => api.getOrder(user, orderId, `?wait=${wait}`));
    expectError(result, 400, 'VALIDATION_ERROR');
    expect(ms).toBeLessThan(1_000);
  });
});