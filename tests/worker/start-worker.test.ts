import pino from 'pino';
import { waitFor } from '../../deploy/local/wait-for';
import { deleteQueueKeys } from '../../deploy/local/queue-keys';
import { startWorker, type RunningWorker } from '../../worker/start-worker';
import { newUser, type Actor } from '../support/actors';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import type { OrderJson } from '../support/rows';
import { useTestApp } from '../support/test-app';

const silent = pino({ level: 'silent' });

/** The worker built by the same factory as `worker/main.ts`, run inside the test process beside an in-process API. */
describe('startWorker (in-process)', () => {
  const t = useTestApp();
  const given = givenFor(t.api);
  const routes = routesFor(t.api);
  let worker: RunningWorker;

  beforeAll(async () => {
    worker = await startWorker(t.config, silent);
    t.beforeClose(async () => {
      await worker.stop();
      await deleteQueueKeys(t.app.redis, t.config.QUEUE_PREFIX);
    });
  });

  /** Long-polls the order until it leaves pending. */
  const finalState = (who: Actor, orderId: string): Promise<OrderJson> =>
    waitFor(
      `order ${orderId} to leave pending`,
      async () => {
        const order = (await routes.getOrder(who, orderId, '?wait=5')).body;
        return order.status !== 'pending' && order;
      },
      { timeoutMs: 30_000 },
    );

  it('places the order the API accepted (stock taken, total priced)', async () => {
    const product = await given.product({ price: '4.50', stock: 5 });
    const shopper = newUser();
    const orderId = await given.pendingOrder(shopper, [[product, 2]]);
    expect(await finalState(shopper, orderId)).toMatchObject({ status: 'placed', total_price: '9.00' });
    const [row] = await t.sql<{ stock: number }>('SELECT stock FROM products WHERE id = $1', [product.id]);
    expect(row?.stock).toBe(3);
  });

  it('fails an order the stock cannot serve, as the worker process would', async () => {
    const product = await given.product({ price: '4.50', stock: 5 });
    const shopper = newUser();
    await given.cart(shopper, product, 2);
    await given.productChanged(product, { stock: 1 });
    const orderId = await given.checkoutOk(shopper);
    expect(await finalState(shopper, orderId)).toMatchObject({ status: 'failed', failure_reason: 'OUT_OF_STOCK' });
    // what Bull Board shows: the reason with its details, and no stack trace with server paths
    const job = await waitFor('the failed job', async () => {
      const found = await t.app.checkoutQueue.getJob(orderId);
      return found?.failedReason ? found : undefined;
    });
    expect(job.failedReason).toBe(`OUT_OF_STOCK: not enough stock (${product.id}: requested 2, available 1)`);
    expect(job.stacktrace).toEqual([]);
  });

  it('reports its health and its placements on its own /health and /metrics', async () => {
    expect(await worker.health()).toEqual({ healthy: true, checks: { worker: 'running', postgres: 'ok', redis: 'ok' } });
    expect(worker.metricsPort).toBeGreaterThan(0);
    const health = await fetch(`http://127.0.0.1:${worker.metricsPort}/health`);
    expect(health.status).toBe(200);
    const live = await fetch(`http://127.0.0.1:${worker.metricsPort}/health/live`);
    expect({ status: live.status, body: await live.json() }).toEqual({ status: 200, body: { status: 'ok' } });
    const metrics = await (await fetch(`http://127.0.0.1:${worker.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^checkout_jobs_total\{result="placed"\} [1-9]/m);
  });
});

describe('stopping an in-process worker', () => {
  const t = useTestApp();

  it('stops once however often stop() is called, and then reports itself down', async () => {
    const worker = await startWorker(t.config, silent);
    const first = worker.stop();
    const second = worker.stop();
    expect(second).toBe(first);
    await Promise.all([first, second]);
    expect(await worker.health()).toEqual({ healthy: false, checks: { worker: 'stopped', postgres: 'error', redis: 'error' } });
    await deleteQueueKeys(t.app.redis, t.config.QUEUE_PREFIX);
  });
});
