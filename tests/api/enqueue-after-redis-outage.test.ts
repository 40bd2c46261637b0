import pino from 'pino';
import { freePorts } from '../../deploy/local/free-ports';
import { startRedisServer, type RedisServer } from '../../deploy/local/redis-server';
import { tolerant, workDirectory } from '../../deploy/local/daemon';
import { waitFor } from '../../deploy/local/wait-for';
import { startWorker, type RunningWorker } from '../../worker/start-worker';
import { admin } from '../support/actors';
import { givenFor } from '../support/given';
import { startTestApp, type TestApp } from '../support/test-app';

jest.setTimeout(60_000);

/**
 * Checkouts accepted while Redis is down get their jobs as soon as it is back: the API keeps the jobs it could not
 * add and adds them when its connection is ready again. The reconciler is set far off here, so only that can place
 * the orders in time.
 */
describe('checkouts accepted while Redis is down', () => {
  const dir = workDirectory('enqueue-outage');
  let port: number;
  let redis: RedisServer;
  let t: TestApp;
  let worker: RunningWorker;

  beforeAll(async () => {
    port = (await freePorts(1))[0]!;
    redis = startRedisServer(dir.path, port);
    // the reconciler would find the orders only after 10 minutes
    t = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${port}`, RECONCILE_AFTER_MS: '600000', RECONCILER_INTERVAL_MS: '600000' });
    await waitFor('the API connected to Redis', tolerant(async () => (await t.app.redis.ping()) === 'PONG'), { timeoutMs: 10_000 });
    worker = await startWorker(t.config, pino({ level: 'silent' }));
  });
  afterAll(async () => {
    // a failed test may have left Redis down: the worker stops against a live one
    if (redis && !redis.daemon.alive()) redis = startRedisServer(dir.path, port);
    await worker?.stop();
    await t?.close();
    await redis?.daemon.stop('SIGKILL');
    dir.remove();
  });

  it('are placed within seconds of its return, not at the reconciler’s next pass', async () => {
    const given = givenFor(t.api);
    const carts = await Promise.all(Array.from({ length: 5 }, () => given.userWithCart(1)));

    await redis.daemon.stop('SIGKILL');
    await waitFor('the API to see Redis down', async () => t.app.redis.status !== 'ready', { timeoutMs: 10_000 });
    const orderIds = await Promise.all(carts.map(({ user }) => given.checkoutOk(user)));
    expect(t.app.enqueuer.leftBehind()).toBe(orderIds.length);
    const metrics = await t.api.request('GET', '/metrics', { token: admin().token });
    expect(metrics.text).toMatch(new RegExp(`^checkout_jobs_awaiting_redis ${orderIds.length}$`, 'm'));

    // the same port, nothing kept: every job added before the outage is gone as well
    redis = startRedisServer(dir.path, port);
    await waitFor(
      'every order placed',
      async () => (await t.sql<{ status: string }>(`SELECT status FROM orders WHERE id = ANY($1)`, [orderIds])).every((row) => row.status === 'placed'),
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(t.app.enqueuer.leftBehind()).toBe(0);
  });
});
