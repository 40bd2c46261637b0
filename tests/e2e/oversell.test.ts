import { expectInvariants } from '../support/invariants';
import { actor } from '../support/actors';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useStack } from '../support/stack';

jest.setTimeout(90_000);

describe('oversell race across two worker processes', () => {
  const stack = useStack();
  const api = routesFor(() => stack.api);
  const given = givenFor(() => stack.api);

  it('20 concurrent checkouts for 5 in stock: exactly 5 placed, 15 failed OUT_OF_STOCK, stock 0, failed carts intact', async () => {
    const productId = (await given.product({ name: 'Limited', price: '19.99', stock: 5 })).id;
    const users = Array.from({ length: 20 }, (_, i) => `shopper-${i}`);
    for (const user of users) {
      const added = await api.addToCart(actor(user), { product_id: productId });
      expect(added.status).toBe(201);
    }
    await Promise.all([stack.startWorker({ WORKER_CONCURRENCY: '5' }), stack.startWorker({ WORKER_CONCURRENCY: '5' })]);

    const accepted = await Promise.all(
      users.map((user) =>
        api.checkout(actor(user), { contact: `${user}@example.com`, address: '1 Race Street, Raceville' }),
      ),
    );
    expect(accepted.map((res) => res.status)).toEqual(users.map(() => 202));
    await stack.waitUntilNoPending();

    const byStatus = await stack.sql<{ status: string; failure_reason: string | null; n: number }>(
      `SELECT status, failure_reason, count(*)::int AS n FROM orders GROUP BY 1, 2 ORDER BY 1`,
    );
    expect(byStatus).toEqual([
      { status: 'failed', failure_reason: 'OUT_OF_STOCK', n: 15 },
      { status: 'placed', failure_reason: null, n: 5 },
    ]);
    const [product] = await stack.sql('SELECT stock FROM products WHERE id = $1', [productId]);
    expect(product.stock).toBe(0);

    const carts = await stack.sql<{ user_id: string; status: string; lines: number }>(
      `SELECT o.user_id, o.status, (SELECT count(*)::int FROM cart_items c WHERE c.user_id = o.user_id) AS lines FROM orders o`,
    );
    for (const cart of carts) expect(cart.lines).toBe(cart.status === 'failed' ? 1 : 0);

    const failed = await stack.sql(`SELECT failure_details FROM orders WHERE status = 'failed' LIMIT 1`);
    expect(failed[0].failure_details.products).toEqual([{ product_id: productId, requested: 1, available: 0 }]);
    // both workers did some of the work
    for (const worker of stack.workers) {
      expect(worker.lines.some((line) => /"order (placed|failed)"/.test(line))).toBe(true);
    }
    await expectInvariants(stack, { [productId]: 5 });
  });
});
