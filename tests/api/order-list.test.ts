import { newUser, type Actor } from '../support/actors';
import { expectError, ISO_UTC } from '../support/expectations';
import { givenFor } from '../support/given';
import { dbFor } from '../support/db';
import { ORDER_FIELDS } from '../support/rows';
import { CHECKOUT_BODY, routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

describe("listing a customer's orders: GET /api/orders", () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { moveOrder } = dbFor(t);

  /** Creates `n` orders for the user, cancelling each pending one before the next checkout; returns ids oldest first. */
  async function ordersFor(user: Actor, n: number): Promise<string[]> {
    const product = await given.product({ price: '1.00', stock: 100 });
    await given.cart(user, product.id);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = await given.checkoutOk(user);
      ids.push(id);
      if (i < n - 1) expect((await api.cancel(user, id)).status).toBe(200);
    }
    return ids;
  }

  it("lists only the caller's orders, newest first, in the summary shape", async () => {
    const user = newUser();
    const ids = await ordersFor(user, 3);
    await ordersFor(newUser(), 2);

    const res = await api.listOrders(user);
    expect(res.status).toBe(200);
    const body = res.body;
    expect(Object.keys(body).sort()).toEqual(['next_cursor', 'orders']);
    expect(body.next_cursor).toBeNull();
    expect(body.orders.map((order) => order.order_id)).toEqual([...ids].reverse());
    expect(body.orders.map((order) => order.status)).toEqual(['pending', 'cancelled', 'cancelled']);
    for (const order of body.orders) expect(Object.keys(order).sort()).toEqual(ORDER_FIELDS);
    expect(body.orders[0]).toMatchObject({ contact: CHECKOUT_BODY.contact, address: CHECKOUT_BODY.address, created_at: expect.stringMatching(ISO_UTC) });

    expect((await api.listOrders(newUser())).body).toEqual({ orders: [], next_cursor: null });
  });

  it('?status= keeps only the orders in that status', async () => {
    const user = newUser();
    const ids = await ordersFor(user, 3);
    await moveOrder(ids[2]!, 'failed', { failure: { reason: 'PROCESSING_ERROR', details: {} } });

    const statusIds = async (status: string) =>
      (await api.listOrders(user, `?status=${status}`)).body.orders.map((order) => order.order_id);
    expect(await statusIds('cancelled')).toEqual([ids[1], ids[0]]);
    expect(await statusIds('failed')).toEqual([ids[2]]);
    expect(await statusIds('pending')).toEqual([]);
    expect(await statusIds('placed')).toEqual([]);
  });

  it('limit and cursor walk every order exactly once, newest first', async () => {
    const user = newUser();
    const ids = await ordersFor(user, 7);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await api.listOrders(user, query);
      expect(res.status).toBe(200);
      const page = res.body;
      expect(page.orders.length).toBeLessThanOrEqual(3);
      seen.push(...page.orders.map((order) => order.order_id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());

    // the same walk under a status filter
    const cancelled: string[] = [];
    let next: string | null = null;
    do {
      const res = await api.listOrders(user, `?status=cancelled&limit=4${next ? `&cursor=${encodeURIComponent(next)}` : ''}`);
      const page = res.body;
      cancelled.push(...page.orders.map((order) => order.order_id));
      next = page.next_cursor;
    } while (next);
    expect(cancelled).toEqual(ids.slice(0, 6).reverse());
  });

  it.each<[string, string]>([
    ['an unknown status', '?status=lost'],
    ['an upper-case status', '?status=PENDING'],
    ['a garbage cursor', '?cursor=not-a-cursor'],
    ['a cursor of valid base64 JSON that this service did not make', `?cursor=${Buffer.from('{"t":"yesterday","id":"x"}').toString('base64url')}`],
    ['limit 0', '?limit=0'],
    ['limit 101', '?limit=101'],
    ['a non-numeric limit', '?limit=ten'],
  ])('%s is 400 VALIDATION_ERROR', async (_label, query) => {
    expectError(await api.listOrders(newUser(), query), 400, 'VALIDATION_ERROR');
  });
});