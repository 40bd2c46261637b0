import pino from 'pino';
import { waitFor } from '../../shared/async/wait-for';
import { deleteQueueKeys } from '../../shared/queue/queue-keys';
import { startWorker, type RunningWorker } from '../../worker/start-worker';
import { createProductViaApi, startTestApp, type TestApp } from '../support/test-app';
import { bearer, tokenFor } from '../support/tokens';

const silent = pino({ level: 'silent' });

/** The worker built by the same factory as `worker/main.ts`, run inside the test process beside an in-process API. */
describe('startWorker (in-process)', () => {
  let t: TestApp;
  let worker: RunningWorker;

  beforeAll(async () => {
    t = await startTestApp();
    worker = await startWorker(t.config, silent);
  });
  afterAll(async () => {
    await worker?.stop();
    await deleteQueueKeys(t.app.redis, t.config.QUEUE_PREFIX);
    await t?.close();
  });

  /** Puts `quantity` in the user's cart, sets the stock to `stockAtCheckout` (when given), and checks out. */
  async function checkout(user: string, quantity: number, stockAtCheckout?: number): Promise<string> {
    const product = await createProductViaApi(t.app, { price: '4.50', stock: 5 });
    const headers = bearer(tokenFor(user));
    const added = await t.app.inject({ method: 'POST', url: '/api/cart', headers, payload: { product_id: product.id, quantity } });
    expect(added.statusCode).toBe(201);
    if (stockAtCheckout !== undefined) {
      await t.sql('UPDATE products SET stock = $1 WHERE id = $2', [stockAtCheckout, product.id]);
    }
    const accepted = await t.app.inject({
      method: 'POST',
      url: '/api/checkout',
      headers,
      payload: { contact: `${user}@example.com`, address: '1 Worker Lane' },
    });
    expect(accepted.statusCode).toBe(202);
    return accepted.json<{ order_id: string }>().order_id;
  }

  async function finalStatus(user: string, orderId: string): Promise<Record<string, unknown>> {
    return waitFor(
      `order ${orderId} to leave pending`,
      async () => {
        const res = await t.app.inject({ method: 'GET', url: `/api/orders/${orderId}?wait=5`, headers: bearer(tokenFor(user)) });
        const order = res.json<Record<string, unknown>>();
        return order.status !== 'pending' && order;
      },
      { timeoutMs: 30_000 },
    );
  }

  it('places the order the API accepted (stock taken, total priced)', async () => {
    const orderId = await checkout('in-process-1', 2);
    expect(await finalStatus('in-process-1', orderId)).toMatchObject({ status: 'placed', total_price: '9.00' });
    const [product] = await t.sql<{ stock: number }>(
      'SELECT stock FROM products WHERE id = (SELECT product_id FROM order_items WHERE order_id = $1)',
      [orderId],
    );
    expect(product?.stock).toBe(3);
  });

  it('fails an order the stock cannot serve, as the worker process would', async () => {
    const orderId = await checkout('in-process-2', 2, 1);
    expect(await finalStatus('in-process-2', orderId)).toMatchObject({ status: 'failed', failure_reason: 'OUT_OF_STOCK' });
  });

  it('reports its health and its placements on its own /health and /metrics', async () => {
    expect(await worker.health()).toEqual({ healthy: true, checks: { worker: 'running', postgres: 'ok', redis: 'ok' } });
    expect(worker.metricsPort).toBeGreaterThan(0);
    const health = await fetch(`http://127.0.0.1:${worker.metricsPort}/health`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${worker.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^checkout_jobs_total\{result="placed"\} [1-9]/m);
  });
});

describe('stopping an in-process worker', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await deleteQueueKeys(t.app.redis, t.config.QUEUE_PREFIX);
    await t?.close();
  });

  it('stops once however often stop() is called, and then reports itself down', async () => {
    const worker = await startWorker(t.config, silent);
    const first = worker.stop();
    const second = worker.stop();
    expect(second).toBe(first);
    await Promise.all([first, second]);
    expect(await worker.health()).toEqual({ healthy: false, checks: { worker: 'stopped', postgres: 'error', redis: 'error' } });
  });
});
