import { startPgBouncer, type PgBouncer } from '../../deploy/local/pgbouncer';
import { deleteQueueKeys } from '../../deploy/local/queue-keys';
import { checkoutBurst, expectAllFinalAndPublished, shoppersWithCarts } from '../support/checkout-burst';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { startStack, type Stack, stopStackAndServers } from '../support/stack';

jest.setTimeout(120_000);

/**
 * The service through a real PgBouncer in transaction mode (Debian's 1.18,
 * which does not track named prepared statements): DATABASE_URL is the
 * pooler, DB_PREPARED_STATEMENTS=false, and DATABASE_DIRECT_URL the session
 * connection for migrations and the relay's leader lock. Checkouts, long-polls,
 * the relay and the reconciler all run through it.
 */
describe('through PgBouncer in transaction mode', () => {
  let pgbouncer: PgBouncer;
  let stack: Stack;
  const given = givenFor(() => stack.api);
  const api = routesFor(() => stack.api);

  beforeAll(async () => {
    pgbouncer = await startPgBouncer({ poolSize: 8 });
    stack = await startStack((databaseUrl) => ({
      DATABASE_URL: pgbouncer.via(databaseUrl),
      DATABASE_DIRECT_URL: databaseUrl,
      DB_PREPARED_STATEMENTS: 'false',
      RECONCILE_AFTER_MS: '1000',
      RECONCILER_INTERVAL_MS: '500',
    }));
  });
  afterAll(() => stopStackAndServers(stack, pgbouncer));

  it('the reconciler enqueues a pending order whose job Redis lost, and a long-poll on it is answered when it is placed', async () => {
    const { user } = await given.userWithCart(2);
    const orderId = await given.checkoutOk(user);
    await deleteQueueKeys(stack.redis, stack.env.QUEUE_PREFIX!);
    const poll = api.getOrder(user, orderId, '?wait=20');
    await stack.startWorker();
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('placed');
  });

  it('a burst of checkouts by many shoppers is placed, with every order.placed in the stream, over 8 server connections', async () => {
    await stack.startWorker();
    const { shoppers, initialStock } = await shoppersWithCarts(stack.api, { count: 40 });
    const burst = await checkoutBurst(stack.api, shoppers, { spreadMs: 1_000, faultAtMs: 0, fault: async () => undefined });
    expect(burst.answers).toEqual({ 202: 40 });
    await expectAllFinalAndPublished(stack, { initialStock, since: Date.now(), withinMs: 30_000 });
    // the API's and two workers' pools (10 each) share the pooler's 8 server connections; the relay's session is direct
    const backends = await stack.sql<{ application_name: string; n: number }>(
      `SELECT application_name, count(*)::int AS n FROM pg_stat_activity
        WHERE datname = $1 AND application_name <> 'checkout-test' GROUP BY application_name`,
      [stack.databaseName],
    );
    const pooled = backends.filter((row) => row.application_name !== 'checkout-relay').reduce((sum, row) => sum + row.n, 0);
    expect(pooled).toBeLessThanOrEqual(8);
    expect(backends.find((row) => row.application_name === 'checkout-relay')?.n).toBeGreaterThanOrEqual(1);
    const logs = [stack.apiProcess, ...stack.workers].flatMap((process) => process.lines);
    expect(logs.filter((line) => /prepared statement|unsupported startup parameter|"level":50/.test(line))).toEqual([]);
  });
});
