import { Client } from 'pg';
import { expectInvariants } from '../support/invariants';
import { actor } from '../support/actors';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useStack } from '../support/stack';

jest.setTimeout(120_000);

describe('PostgreSQL connections killed mid-run', () => {
  const stack = useStack();
  const api = routesFor(() => stack.api);
  const given = givenFor(() => stack.api);

  it('when the workers lose their database connections repeatedly, jobs are retried and the invariants hold', async () => {
    const products = [
      (await given.product({ price: '2.50', stock: 40 })).id,
      (await given.product({ price: '7.25', stock: 12 })).id,
    ];
    const users = Array.from({ length: 30 }, (_, i) => `fault-${i}`);
    for (const [i, user] of users.entries()) {
      const added = await api.addToCart(actor(user), { product_id: products[i % 2], quantity: 1 + (i % 3) });
      expect(added.status).toBe(201);
    }
    // the products stay locked while the connections are killed: every placement waits inside its transaction, so
    // every kill hits one in flight (placement in groups is otherwise over before the first kill)
    const lock = new Client({ connectionString: stack.env['DATABASE_URL'], application_name: 'checkout-test-lock' });
    await lock.connect();
    await lock.query('BEGIN');
    await lock.query('SELECT 1 FROM products WHERE id = ANY($1::uuid[]) FOR UPDATE', [products]);
    await Promise.all([stack.startWorker({ WORKER_CONCURRENCY: '4' }), stack.startWorker({ WORKER_CONCURRENCY: '4' })]);

    const killer = (async () => {
      let killed = 0;
      const until = Date.now() + 4_000;
      while (Date.now() < until) {
        const rows = await stack.sql(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'checkout-worker'`,
          [stack.databaseName],
        );
        killed += rows.length;
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      return killed;
    })();
    const accepted = await Promise.all(
      users.map((user) =>
        api.checkout(actor(user), { contact: `${user}@example.com`, address: '1 Fault Street, Faultville' }),
      ),
    );
    expect(accepted.map((res) => res.status)).toEqual(users.map(() => 202));
    expect(await killer).toBeGreaterThan(0);
    await lock.query('COMMIT');
    await lock.end();
    await stack.waitUntilNoPending(90_000);
    // no worker died on the way
    for (const worker of stack.workers) expect(worker.child.exitCode).toBeNull();

    const retried = stack.workers.flatMap((worker) => worker.lines).filter((line) => line.includes('will retry'));
    expect(retried.length).toBeGreaterThan(0);
    await expectInvariants(stack, { [products[0]!]: 40, [products[1]!]: 12 });
  });
});
