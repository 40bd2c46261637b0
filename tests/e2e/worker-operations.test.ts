import { expectInvariants } from '../support/invariants';
import type { ServiceProcess } from '../../deploy/local/service-process';
import { actor } from '../support/actors';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useStack } from '../support/stack';

jest.setTimeout(90_000);

/** The worker logs its metrics URL at start (WORKER_METRICS_PORT=0 picks a free port in tests). */
async function metricsUrl(worker: ServiceProcess): Promise<string> {
  const line = await worker.waitForLine(/"msg":"worker started"/);
  return (JSON.parse(line) as { metrics_url: string }).metrics_url.replace(/\/metrics$/, '');
}

describe('worker operations', () => {
  const stack = useStack();
  const api = routesFor(() => stack.api);
  const given = givenFor(() => stack.api);

  it('each worker serves /health and Prometheus /metrics with job, queue and outbox figures', async () => {
    const worker = await stack.startWorker();
    const base = await metricsUrl(worker);
    const productId = (await given.product({ price: '3.00', stock: 50 })).id;
    const ops = actor('ops-1');
    await given.cart(ops, productId);
    await given.checkoutOk(ops, { contact: 'ops@example.com', address: '1 Ops Lane' });
    await stack.waitUntilNoPending();

    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', checks: { worker: 'running', postgres: 'ok', redis: 'ok' } });

    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^checkout_jobs_total\{result="placed"\} 1$/m);
    expect(text).toMatch(/^checkout_placement_duration_seconds_count 1$/m);
    expect(text).toMatch(/^checkout_queue_jobs\{state="waiting"\} 0$/m);
    expect(text).toMatch(/^checkout_queue_jobs\{state="completed"\} 1$/m);
    expect(text).toMatch(/^checkout_queue_oldest_waiting_job_age_seconds 0$/m);
    expect(text).toMatch(/^outbox_lag_seconds \d/m);
    expect(text).toMatch(/^outbox_unpublished_events \d+$/m);
    expect(text).toMatch(/^reconciler_actions_total\{action="requeued"\} \d+$/m);
    expect(text).toMatch(/^ml_events_published_total \d+$/m);
    expect(text).toMatch(/^process_resident_memory_bytes /m);
    await worker.stop();
  });

  it('a worker stopped with SIGTERM under load finishes its jobs in flight: no job stalls, no order stays pending', async () => {
    const productId = (await given.product({ price: '1.25', stock: 1000 })).id;
    const users = Array.from({ length: 40 }, (_, i) => `term-${i}`);
    for (const user of users) await given.cart(actor(user), productId, 2);
    const first = await stack.startWorker({ WORKER_CONCURRENCY: '4' });
    await Promise.all(
      users.map((user) =>
        api.checkout(actor(user), { contact: `${user}@example.com`, address: '1 Shutdown Street' }),
      ),
    );
    await first.waitForLine(/"msg":"order placed"/);
    const exit = await first.stop('SIGTERM');
    expect(exit.code).toBe(0);
    expect(first.lines.some((line) => line.includes('finishing the ones in flight'))).toBe(true);

    const second = await stack.startWorker({ WORKER_CONCURRENCY: '4', WORKER_STALLED_INTERVAL_MS: '1000' });
    await stack.waitUntilNoPending(30_000);
    // nothing the first worker had taken was left to the stall detector
    expect(second.lines.filter((line) => line.includes('job stalled'))).toEqual([]);
    const [{ placed }] = await stack.sql(`SELECT count(*)::int AS placed FROM orders WHERE user_id LIKE 'term-%' AND status = 'placed'`);
    expect(placed).toBe(40);
    await expectInvariants(stack, { [productId]: 1000 });
    await second.stop();
  });
});
