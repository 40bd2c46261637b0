import { actor, admin } from '../support/actors';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useStack } from '../support/stack';

jest.setTimeout(60_000);

describe('checkout across processes: API and worker', () => {
  const stack = useStack();
  const api = routesFor(() => stack.api);
  const given = givenFor(() => stack.api);

  it('places the order at the price of the moment of placement, and a long-poll answers as soon as it is placed', async () => {
    const alice = actor('alice');
    const productId = (await given.product({ name: 'Kettle', price: '10.00', stock: 10 })).id;
    expect((await api.addToCart(alice, { product_id: productId, quantity: 2 })).status).toBe(201);

    // no worker yet: the order is accepted and stays pending, durable in PostgreSQL
    const accepted = await api.checkout(alice, { contact: 'alice@example.com', address: '1 Main Street, Springfield' });
    expect(accepted.status).toBe(202);
    const orderId: string = accepted.body.order_id;
    expect(accepted.headers.location).toBe(`/api/orders/${orderId}`);
    const pending = await api.getOrder(alice, orderId);
    expect(pending.body.status).toBe('pending');
    expect(pending.headers['retry-after']).toBe('1');

    // the price changes before the worker gets to it: the order is re-priced
    expect((await api.patchProduct(admin('admin-1'), productId, { price: '12.50' })).status).toBe(200);

    // a client long-polls until the order is final (a wait that runs out while the worker starts is asked again)
    const final = (async () => {
      for (let attempt = 1; attempt <= 4; attempt += 1) {
        const res = await api.getOrder(alice, orderId, '?wait=20');
        if (res.body.status !== 'pending') return { res, at: Date.now() };
      }
      throw new Error('the order stayed pending through four long-polls');
    })();
    await stack.startWorker();
    const { res: placed, at } = await final;
    // answered when the order was placed, not when the wait ran out
    const [{ placedAt }] = await stack.sql(
      `SELECT extract(epoch FROM at) * 1000 AS "placedAt" FROM order_status_history WHERE order_id = $1 AND status = 'placed'`,
      [orderId],
    );
    expect(at - Number(placedAt)).toBeLessThan(5_000);
    expect(placed.status).toBe(200);
    expect(placed.headers['retry-after']).toBeUndefined();
    expect(placed.body).toMatchObject({
      order_id: orderId,
      status: 'placed',
      failure_reason: null,
      total_price: '25.00',
      items_count: 2,
      items: [{ product_id: productId, name: 'Kettle', unit_price: '12.50', quantity: 2, line_total: '25.00' }],
    });
    expect(placed.body.status_history!.map((entry) => entry.status)).toEqual(['pending', 'placed']);

    const [product] = await stack.sql('SELECT stock FROM products WHERE id = $1', [productId]);
    expect(product.stock).toBe(8);
    expect(await stack.sql('SELECT 1 FROM cart_items WHERE user_id = $1', ['alice'])).toHaveLength(0);
    expect((await api.getCart(alice)).body).toEqual({ items: [], items_count: 0, total_price: '0.00' });
  });

  it('the worker logs carry the order id and the request id of the checkout', async () => {
    const bob = actor('bob');
    const productId = (await given.product({ price: '3.00', stock: 5 })).id;
    await given.cart(bob, productId);
    const accepted = await api.checkout(bob, { contact: 'bob@example.com', address: '2 Main Street, Springfield' }, { 'x-request-id': 'trace-bob-1' });
    expect(accepted.status).toBe(202);
    const line = await stack.workers[0]!.waitForLine(new RegExp(`"order_id":"${accepted.body.order_id}".*"order placed"`));
    expect(JSON.parse(line)).toMatchObject({ order_id: accepted.body.order_id, request_id: 'trace-bob-1' });
  });

  it('an empty cart is 422 CART_EMPTY and a bad body 400, with no order created', async () => {
    const carol = actor('carol');
    const empty = await api.checkout(carol, { contact: 'carol@example.com', address: '3 Main Street, Springfield' });
    expect(empty.status).toBe(422);
    expect(empty.body.code).toBe('CART_EMPTY');
    const bad = await api.checkout(carol, { contact: 'c', address: 42 });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_ERROR');
    expect(await stack.sql('SELECT 1 FROM orders WHERE user_id = $1', ['carol'])).toHaveLength(0);
  });

  it('the worker stops on SIGTERM after finishing its work', async () => {
    const worker = stack.workers[0]!;
    const exit = await worker.stop('SIGTERM');
    expect(exit.code).toBe(0);
    expect(worker.lines.some((line) => line.includes('"msg":"stopped"'))).toBe(true);
  });
});
