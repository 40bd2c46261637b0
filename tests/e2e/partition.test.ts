import { Client } from 'pg';
import { canMakeHosts, createHost, type LocalHost } from '../../deploy/local/netns';
import { waitFor } from '../../deploy/local/wait-for';
import type { ServiceProcess } from '../../deploy/local/service-process';
import { givenFor } from '../support/given';
import { expectInvariants } from '../support/invariants';
import { startStack, type Stack } from '../support/stack';
import { startTcpProxy, type TcpProxy } from '../../deploy/local/tcp-proxy';

jest.setTimeout(150_000);

/**
 * A worker on a host of its own (a network namespace joined by a veth pair;
 * it reaches PostgreSQL and Redis only through forwarders on the machine's
 * side of the link) is cut off from both in the middle of a placement —
 * packets dropped, nothing reset — while another worker takes its job over;
 * then the link heals. Nothing is placed twice, stock is conserved, and the
 * cut-off worker goes on placing orders without a restart.
 */
describe('a worker partitioned from Redis and PostgreSQL mid-job', () => {
  let stack: Stack;
  let host: LocalHost;
  const proxies: TcpProxy[] = [];
  let cutOff: ServiceProcess;
  const given = givenFor(() => stack.api);

  beforeAll(async () => {
    if (!canMakeHosts()) throw new Error('this test makes network namespaces (ip netns, veth): run it as root, as CI does');
    host = createHost();
    stack = await startStack({ WORKER_LOCK_DURATION_MS: '5000', WORKER_STALLED_INTERVAL_MS: '2000', RECONCILER_INTERVAL_MS: '2000' });
    const database = new URL(stack.env.DATABASE_URL!);
    const redis = new URL(stack.env.REDIS_URL!);
    const [pgForwarder, redisForwarder] = await Promise.all([
      startTcpProxy({ host: database.hostname, port: Number(database.port || 5432) }, { listenHost: host.machineAddress }),
      startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) }, { listenHost: host.machineAddress }),
    ]);
    proxies.push(pgForwarder, redisForwarder);
    cutOff = await stack.startWorker(
      { DATABASE_URL: pgForwarder.via(stack.env.DATABASE_URL!), REDIS_URL: redisForwarder.via(stack.env.REDIS_URL!), WORKER_CONCURRENCY: '1' },
      { wrap: host.wrap },
    );
  });
  afterAll(async () => {
    host?.heal();
    await stack?.stop();
    await Promise.all(proxies.map((proxy) => proxy.close()));
    host?.remove();
  });

  it('the job is placed once by another worker, and the healed worker places orders again without a restart', async () => {
    const product = await given.product({ stock: 10 });
    const { user } = await given.userWithCart(2, product);

    // hold the product's row so that the worker's placement stops in the middle, inside its transaction
    const blocker = new Client({ connectionString: stack.env.DATABASE_URL });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM products WHERE id = $1 FOR UPDATE', [product.id]);
    const orderId = await given.checkoutOk(user);
    await waitFor(
      "the cut-off worker's placement waiting on the product's row",
      async () =>
        (await stack.sql(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'checkout-worker' AND wait_event_type = 'Lock' AND datname = $1`, [
          stack.databaseName,
        ])).length > 0,
      { timeoutMs: 20_000, intervalMs: 100 },
    );

    host.partition();
    await blocker.query('COMMIT');
    await blocker.end();
    const rescuer = await stack.startWorker();
    const cutAt = Date.now();

    // its job lock expires, the stalled check hands the job on, and the server ends the silent transaction
    await stack.waitUntilNoPending(40_000);
    expect(Date.now() - cutAt).toBeLessThan(40_000);
    const history = await stack.sql<{ status: string }>('SELECT status FROM order_status_history WHERE order_id = $1 ORDER BY id', [orderId]);
    expect(history.map((row) => row.status)).toEqual(['pending', 'placed']);
    await expectInvariants(stack, { [product.id]: 10 });

    host.heal();
    await rescuer.stop('SIGTERM');
    expect(cutOff.child.exitCode).toBeNull();
    const { user: next } = await given.userWithCart(1, product);
    const nextOrder = await given.checkoutOk(next);
    await stack.waitUntilNoPending(40_000);
    expect((await stack.sql('SELECT status FROM orders WHERE id = $1', [nextOrder]))[0].status).toBe('placed');
    await waitFor('the healed worker to log the order it placed', async () => cutOff.lines.some((line) => line.includes(nextOrder) && line.includes('order placed')), {
      timeoutMs: 10_000,
    });
    await expectInvariants(stack, { [product.id]: 10 });
  });
});
