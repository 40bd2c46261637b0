import { Client } from 'pg';
import { expectInvariants } from '../support/invariants';
import { deleteQueueKeys } from '../../deploy/local/queue-keys';
import { waitFor } from '../../deploy/local/wait-for';
import { actor } from '../support/actors';
import { givenFor } from '../support/given';
import { startStack, type Stack } from '../support/stack';

jest.setTimeout(90_000);

import { CHECKOUT_QUEUE } from '../../shared/queue/checkout-queue';

describe('crashes and lost queues', () => {
  let stack: Stack;
  const given = givenFor(() => stack.api);
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.stop());

  /** Resolves once the order's job is in Redis: a late enqueue can then no longer land after the test deletes the queue. */
  const jobInRedis = (orderId: string) =>
    waitFor('the job in Redis', async () => (await stack.redis.exists(`${stack.env.QUEUE_PREFIX}:${CHECKOUT_QUEUE}:${orderId}`)) === 1);

  it('a worker killed with SIGKILL inside the placement transaction commits nothing; another worker, with the default lock settings, places the order exactly once within seconds', async () => {
    const productId = (await given.product({ price: '8.00', stock: 10 })).id;
    const orderId = await given.pendingOrder(actor('crash-1'), [[productId, 2]]);
    // hold the product row, so the worker stops inside its transaction, after locking order and cart
    const blocker = new Client({ connectionString: stack.env.DATABASE_URL });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM products WHERE id = $1 FOR UPDATE', [productId]);

    const doomed = await stack.startWorker();
    await waitFor(
      'the worker to block inside its transaction',
      async () =>
        (
          await stack.sql(
            `SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'checkout-worker' AND wait_event_type = 'Lock'`,
            [stack.databaseName],
          )
        ).length > 0,
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    // the rescuer is up before the kill; the job is the doomed worker's
    const rescuer = await stack.startWorker();
    expect((await doomed.stop('SIGKILL')).signal).toBe('SIGKILL');
    const killedAt = Date.now();
    await blocker.query('ROLLBACK');
    await blocker.end();

    // nothing of the killed transaction is visible
    const [order] = await stack.sql('SELECT status FROM orders WHERE id = $1', [orderId]);
    expect(order.status).toBe('pending');

    await rescuer.waitForLine(new RegExp(`"order_id":"${orderId}".*"order placed"`), 30_000);
    // lock 5 s + stalled check every 5 s: ~10 s at worst (it was a minute with BullMQ's 30 s defaults)
    expect(Date.now() - killedAt).toBeLessThan(20_000);
    const [placed] = await stack.sql('SELECT status, items_count FROM orders WHERE id = $1', [orderId]);
    expect(placed).toEqual({ status: 'placed', items_count: 2 });
    await expectInvariants(stack, { [productId]: 10 });
    await rescuer.stop();
  });

  it('when Redis loses the queue after the 202, the reconciler enqueues the order again and it is placed', async () => {
    const productId = (await given.product({ price: '4.00', stock: 10 })).id;
    const orderId = await given.pendingOrder(actor('lost-1'), [[productId, 1]]);
    await jobInRedis(orderId);
    expect(await deleteQueueKeys(stack.redis, stack.env.QUEUE_PREFIX!)).toBeGreaterThan(0);

    const worker = await stack.startWorker({ RECONCILER_INTERVAL_MS: '300', RECONCILE_AFTER_MS: '500' });
    await worker.waitForLine(/"requeued":1.*"msg":"reconciler acted"/, 20_000);
    await stack.waitUntilNoPending(20_000);
    const [order] = await stack.sql('SELECT status FROM orders WHERE id = $1', [orderId]);
    expect(order.status).toBe('placed');
    await expectInvariants(stack, { [productId]: 10 });
    await worker.stop();
  });

  it('an order that cannot be placed in time fails with PROCESSING_ERROR and its cart is unlocked', async () => {
    const productId = (await given.product({ price: '4.00', stock: 10 })).id;
    const orderId = await given.pendingOrder(actor('late-1'), [[productId, 1]]);
    await jobInRedis(orderId);
    await deleteQueueKeys(stack.redis, stack.env.QUEUE_PREFIX!);
    await stack.sql(`UPDATE orders SET created_at = now() - interval '1 hour' WHERE id = $1`, [orderId]);

    const worker = await stack.startWorker({ RECONCILER_INTERVAL_MS: '300', PENDING_TIMEOUT_MS: '60000' });
    await stack.waitUntilNoPending(20_000);
    const [order] = await stack.sql('SELECT status, failure_reason FROM orders WHERE id = $1', [orderId]);
    expect(order).toEqual({ status: 'failed', failure_reason: 'PROCESSING_ERROR' });
    const cart = await stack.sql('SELECT quantity FROM cart_items WHERE user_id = $1', ['late-1']);
    expect(cart).toEqual([{ quantity: 1 }]);
    await worker.stop();
  });
});
