import { ApiError, CheckoutClient, isApiError } from '../../client/src';
import { actor, type Actor } from '../support/actors';
import { givenFor } from '../support/given';
import { startStack, type Stack } from '../support/stack';

jest.setTimeout(60_000);

const DETAILS = { contact: 'client@example.com', address: '1 Client Road, Typedville' };

/** The typed client in client/ against real API and worker processes, as a browser app would use it. */
describe('CheckoutClient against the running service', () => {
  let stack: Stack;
  const given = givenFor(() => stack.api);
  const clientFor = (who: Actor, options: { fetch?: typeof fetch } = {}) =>
    new CheckoutClient({ baseUrl: stack.baseUrl, token: () => who.token, ...options });

  beforeAll(async () => {
    stack = await startStack();
    await stack.startWorker();
  });
  afterAll(() => stack.stop());

  it('browses, fills and edits the cart, checks out and waits for the order to be placed', async () => {
    const kettle = await given.product({ name: 'Client kettle', price: '20.00', stock: 10 });
    const mug = await given.product({ name: 'Client mug', price: '5.00', stock: 10 });
    const client = clientFor(actor('client-happy'));

    const page = await client.listProducts({ limit: 100 });
    expect(page.products.map((product) => product.id)).toEqual(expect.arrayContaining([kettle.id, mug.id]));
    expect((await client.getProduct(kettle.id)).price).toBe('20.00');

    const line = await client.addToCart(kettle.id, 1);
    await client.updateCartItem(line.id, 3);
    const mugLine = await client.addToCart(mug.id);
    await client.removeCartItem(mugLine.id);
    expect(await client.getCart()).toMatchObject({ items_count: 3, total_price: '60.00' });

    const accepted = await client.checkout(DETAILS);
    expect(accepted).toMatchObject({ status: 'pending', status_url: `/api/orders/${accepted.order_id}`, retryAfterSeconds: 1 });
    const order = await client.waitForOrder(accepted.order_id, { initialDelaySeconds: accepted.retryAfterSeconds });
    expect(order).toMatchObject({ status: 'placed', total_price: '60.00', items_count: 3 });
    expect((await client.listOrders()).orders.map((summary) => summary.order_id)).toContain(accepted.order_id);
    expect((await client.cancelOrder(accepted.order_id)).status).toBe('cancelled');
  });

  it('resolves with the failure reason and details when the stock is gone by placement time', async () => {
    const scarce = await given.product({ price: '9.00', stock: 2 });
    const client = clientFor(actor('client-short'));
    await client.addToCart(scarce.id, 2);
    await given.productChanged(scarce, { stock: 1 });

    const accepted = await client.checkout(DETAILS);
    const order = await client.waitForOrder(accepted.order_id);
    expect(order).toMatchObject({
      status: 'failed',
      failure_reason: 'OUT_OF_STOCK',
      failure_details: { products: [{ product_id: scarce.id, requested: 2, available: 1 }] },
    });
    expect((await client.getCart()).items_count).toBe(2);
  });

  it('throws typed errors by code', async () => {
    const client = clientFor(actor('client-errors'));
    const empty = await client.checkout(DETAILS).catch((error: unknown) => error);
    expect(isApiError(empty, 'CART_EMPTY')).toBe(true);
    expect(empty).toMatchObject({ status: 422, code: 'CART_EMPTY' });

    const anonymous = new CheckoutClient({ baseUrl: stack.baseUrl });
    await expect(anonymous.getCart()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });

    const scarce = await given.product({ price: '1.00', stock: 1 });
    const tooMany = await client.addToCart(scarce.id, 5).catch((error: unknown) => error as ApiError);
    expect(tooMany).toBeInstanceOf(ApiError);
    expect((tooMany as ApiError).body).toMatchObject({ code: 'OUT_OF_STOCK', available: 1 });
  });

  it('a checkout whose answer was lost is sent again with the same Idempotency-Key: one order', async () => {
    const product = await given.product({ price: '2.00', stock: 10 });
    const shopper = actor('client-retry');
    const keys: string[] = [];
    let dropped = false;
    // the first checkout reaches the server, but its answer never comes back
    const lossy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).endsWith('/api/checkout')) {
        keys.push(new Headers(init?.headers).get('idempotency-key') ?? '');
        if (!dropped) {
          dropped = true;
          throw new TypeError('fetch failed: the connection was reset');
        }
      }
      return response;
    };
    const client = clientFor(shopper, { fetch: lossy });
    await client.addToCart(product.id);

    const accepted = await client.checkout(DETAILS);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    const orders = await stack.sql('SELECT id FROM orders WHERE user_id = $1', [shopper.id]);
    expect(orders).toEqual([{ id: accepted.order_id }]);
    expect((await client.waitForOrder(accepted.order_id)).status).toBe('placed');

    // the next attempt is a new checkout: a new key
    await client.addToCart(product.id);
    await client.checkout(DETAILS);
    expect(keys).toHaveLength(3);
    expect(keys[2]).not.toBe(keys[0]);
  });

  it('waitForOrder stops when its signal aborts (here while it waits Retry-After)', async () => {
    const product = await given.product({ price: '2.00', stock: 10 });
    const client = clientFor(actor('client-abort'));
    await client.addToCart(product.id);
    const { order_id: orderId } = await client.checkout(DETAILS);

    const controller = new AbortController();
    const waiting = client.waitForOrder(orderId, { signal: controller.signal, initialDelaySeconds: 60 });
    controller.abort(new Error('the page was left'));
    await expect(waiting).rejects.toThrow('the page was left');
  });

  it("a shopper cannot see another one's order", async () => {
    const product = await given.product({ price: '2.00', stock: 10 });
    const owner = clientFor(actor('client-owner'));
    await owner.addToCart(product.id);
    const { order_id: orderId } = await owner.checkout(DETAILS);
    const stranger = clientFor(actor('client-stranger'));
    await expect(stranger.getOrder(orderId)).rejects.toMatchObject({ status: 404, code: 'ORDER_NOT_FOUND' });
    expect((await owner.waitForOrder(orderId)).status).toBe('placed');
  });
});
