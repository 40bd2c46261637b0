import { waitFor } from '../../deploy/local/wait-for';
import { requestCheckout } from '../../shared/checkout/checkout-service';
import { forgetExpiredIdempotencyKeys } from '../../shared/checkout/checkout-service';
import { reconcilePendingOrders } from '../../shared/orders/reconcile-orders';
import { checkoutJobs } from '../../shared/queue/checkout-queue';
import type { ReconcilerSettings } from '../../worker/reconciler/reconciler';
import { useCheckoutQueue } from '../support/checkout-queue';
import { useTestApp } from '../support/test-app';

const SETTINGS: ReconcilerSettings = { intervalMs: 1_000, reconcileAfterMs: 10_000, pendingTimeoutMs: 300_000 };

/** The reconciler decides under a short claim, commits, and only then talks to Redis. */
describe('reconciler and row locks', () => {
  const t = useTestApp();
  const jobs = useCheckoutQueue(() => t);

  async function stalePendingOrder(userId: string): Promise<string> {
    const [product] = await t.sql<{ id: string }>(`INSERT INTO products (name, price, stock) VALUES ('P', '1.00', 5) RETURNING id`);
    await t.sql('INSERT INTO cart_items (user_id, product_id, quantity) VALUES ($1, $2, 1)', [userId, product!.id]);
    const { orderId } = await requestCheckout(t.app.db, {
      userId,
      body: { contact: `${userId}@example.com`, address: '1 Test Street' },
      requestId: `req-${userId}`,
    });
    await t.sql(`UPDATE orders SET created_at = now() - interval '1 minute' WHERE id = $1`, [orderId]);
    return orderId;
  }

  it('holds no order row lock while it waits for Redis, so a customer can cancel meanwhile', async () => {
    const orderId = await stalePendingOrder('slow-redis');
    // Plug the queue's jobs.connection with a blocking pop: the pass's Redis calls jobs.queue up behind it.
    const plug = jobs.connection.blpop(`${t.config.QUEUE_PREFIX}:test-plug`, 1);
    const pass = reconcilePendingOrders(t.app.db, checkoutJobs(jobs.queue), SETTINGS);
    await waitFor('the order to be claimed', async () => {
      const [row] = await t.sql<{ claimed: boolean }>('SELECT reconcile_lease_until IS NOT NULL AS claimed FROM orders WHERE id = $1', [
        orderId,
      ]);
      return row?.claimed;
    });
    // while Redis is still blocked, the row is free: NOWAIT would fail on a held lock
    await t.sql(`SELECT id FROM orders WHERE id = $1 FOR UPDATE NOWAIT`, [orderId]);
    await plug;
    expect(await pass).toEqual({ expired: 0, requeued: 1, retried: 0 });
    expect(await (await jobs.queue.getJob(orderId))?.getState()).toBe('waiting');
  });

  it('a claimed order is not claimed again by another pass while its lease runs', async () => {
    const orderId = await stalePendingOrder('claimed-once');
    await jobs.queue.obliterate({ force: true });
    const [first, second] = await Promise.all([reconcilePendingOrders(t.app.db, checkoutJobs(jobs.queue), SETTINGS), reconcilePendingOrders(t.app.db, checkoutJobs(jobs.queue), SETTINGS)]);
    expect(first.requeued + second.requeued).toBe(1);
    expect((await jobs.queue.getJobs()).filter((job) => job.id === orderId)).toHaveLength(1);
  });

  it('with olderThanMs 0 it gives a job to a pending order of any age (after Redis lost its data)', async () => {
    await jobs.queue.obliterate({ force: true });
    await t.sql(`UPDATE orders SET status = 'cancelled' WHERE status = 'pending'`);
    const [product] = await t.sql<{ id: string }>(`INSERT INTO products (name, price, stock) VALUES ('P', '1.00', 5) RETURNING id`);
    await t.sql(`INSERT INTO cart_items (user_id, product_id, quantity) VALUES ('fresh', $1, 1)`, [product!.id]);
    const { orderId } = await requestCheckout(t.app.db, { userId: 'fresh', body: { contact: 'f@example.com', address: '1 Street' }, requestId: 'r' });

    expect(await reconcilePendingOrders(t.app.db, checkoutJobs(jobs.queue), SETTINGS)).toMatchObject({ requeued: 0 });
    expect(await reconcilePendingOrders(t.app.db, checkoutJobs(jobs.queue), SETTINGS, { olderThanMs: 0 })).toMatchObject({ requeued: 1 });
    expect(await (await jobs.queue.getJob(orderId))?.getState()).toBe('waiting');
  });
});

describe('idempotency-key housekeeping', () => {
  const t = useTestApp();
  it('every expired key is deleted, however many (in batches), and the live ones are kept', async () => {
    const [order] = await t.sql<{ id: string }>(
      `INSERT INTO orders (id, user_id, status, contact, address) VALUES (gen_random_uuid(), 'keys', 'failed', 'c@example.com', '1 Street')
       RETURNING id`,
    );
    await t.sql(
      `INSERT INTO idempotency_keys (user_id, key, request_hash, order_id, created_at)
       SELECT 'keys', 'old-' || g, 'h', $1, now() - interval '25 hours' FROM generate_series(1, 2500) g`,
      [order!.id],
    );
    await t.sql(`INSERT INTO idempotency_keys (user_id, key, request_hash, order_id) VALUES ('keys', 'live', 'h', $1)`, [order!.id]);

    await forgetExpiredIdempotencyKeys(t.app.db);

    expect(await t.sql('SELECT key FROM idempotency_keys')).toEqual([{ key: 'live' }]);
  });
});
