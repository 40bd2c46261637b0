import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../../deploy/local/wait-for';
import { newUser } from '../support/actors';
import { expectError } from '../support/expectations';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

describe('cart cap: CART_MAX_LINES', () => {
  const t = useTestApp({ CART_MAX_LINES: '3' });
  const given = givenFor(t.api);
  const api = routesFor(t.api);

  it('a fourth distinct product is 422 CART_TOO_LARGE and changes nothing; existing lines still grow', async () => {
    const shopper = newUser();
    const products = await Promise.all([1, 2, 3, 4].map(() => given.product({ stock: 10 })));
    for (const product of products.slice(0, 3)) await given.cart(shopper, product, 1);
    const events = async () => (await t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events WHERE user_id = $1`, [shopper.id]))[0]!.n;
    const before = await events();

    const res = await api.addToCart(shopper, { product_id: products[3]!.id, quantity: 1 });
    expectError(res, 422, 'CART_TOO_LARGE');
    expect((await api.getCart(shopper)).body.items).toHaveLength(3);
    expect(await events()).toBe(before);

    expect((await api.addToCart(shopper, { product_id: products[0]!.id, quantity: 2 })).status).toBe(200);
  });
});

describe('long-poll caps and sharing', () => {
  const t = useTestApp({ LONG_POLL_MAX_PER_USER: '2', LONG_POLL_MAX_PER_PROCESS: '3' });
  const given = givenFor(t.api);
  const api = routesFor(t.api);
  const poll = (who: ReturnType<typeof newUser>, orderId: string) => api.getOrder(who, orderId, '?wait=20');
  const waiting = () => t.app.orderWaiter.stats().waiting;
  const place = (orderId: string) => t.sql(`UPDATE orders SET status = 'placed' WHERE id = $1`, [orderId]);

  async function pendingOrderOf(who: ReturnType<typeof newUser>): Promise<string> {
    return given.pendingOrder(who, [[await given.product({ stock: 10 }), 1]]);
  }

  it('over the per-user cap a long-poll answers at once, pending, with Retry-After; the others keep waiting', async () => {
    const shopper = newUser();
    const orderId = await pendingOrderOf(shopper);
    const held = [poll(shopper, orderId), poll(shopper, orderId)];
    await waitFor('two waiting', async () => waiting() === 2);

    const extra = await poll(shopper, orderId);
    expect(extra.status).toBe(200);
    expect(extra.body.status).toBe('pending');
    expect(extra.headers['retry-after']).toBe('1');
    expect(waiting()).toBe(2);

    await place(orderId);
    expect((await Promise.all(held)).map((res) => res.body.status)).toEqual(['placed', 'placed']);
  });

  it('over the per-process cap a long-poll answers at once, whoever asks', async () => {
    const users = [newUser(), newUser(), newUser(), newUser()];
    const orders = await Promise.all(users.map(pendingOrderOf));
    const held = users.slice(0, 3).map((user, i) => poll(user, orders[i]!));
    await waitFor('three waiting', async () => waiting() === 3);

    const fourth = await poll(users[3]!, orders[3]!);
    expect(fourth.body.status).toBe('pending');
    expect(fourth.headers['retry-after']).toBe('1');

    await Promise.all(orders.slice(0, 3).map(place));
    expect((await Promise.all(held)).every((res) => res.body.status === 'placed')).toBe(true);
    await waitFor('no one waiting', async () => waiting() === 0);
  });

  it('all the waiters of one order share one read when it changes', async () => {
    const shopper = newUser();
    const orderId = await pendingOrderOf(shopper);
    const held = [poll(shopper, orderId), poll(shopper, orderId)];
    await waitFor('two waiting', async () => waiting() === 2);
    const readsBefore = t.app.orderWaiter.stats().wakeUpReads;

    await place(orderId);
    expect((await Promise.all(held)).map((res) => res.body.status)).toEqual(['placed', 'placed']);
    expect(t.app.orderWaiter.stats().wakeUpReads - readsBefore).toBe(1);
  });

  it('a waiter is dropped when its client disconnects', async () => {
    const shopper = newUser();
    const orderId = await pendingOrderOf(shopper);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const client = httpRequest({
      host: '127.0.0.1',
      port,
      path: `/api/orders/${orderId}?wait=20`,
      headers: { authorization: `Bearer ${shopper.token}` },
    });
    client.on('error', () => undefined);
    client.end();
    await waitFor('the long-poll to be waiting', async () => waiting() === 1);

    client.destroy();
    await waitFor('the waiter to be dropped', async () => waiting() === 0, { timeoutMs: 5_000 });
  });

  it('a client that leaves during the first read is not waited for', async () => {
    const shopper = newUser();
    const orderId = await pendingOrderOf(shopper);
    const gone = new AbortController();
    const started = Date.now();
    // registered at once, then the order is read: the client leaves while that read is on its way
    const answer = t.app.orderWaiter.read(orderId, shopper.id, { waitMs: 20_000, signal: gone.signal });
    gone.abort();

    expect((await answer).status).toBe('pending');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(waiting()).toBe(0);
  });
});
