import { createRedis } from '../../shared/redis/redis-connection';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { requestCheckout } from '../../shared/checkout/checkout-service';
import {
  CHECKOUT_QUEUE,
  createCheckoutQueue,
  enqueueCheckout,
  type CheckoutJobData,
  type CheckoutJobResult,
} from '../../shared/queue/checkout-queue';
import { expirePendingOrders } from '../../shared/orders/expire-pending-orders';
import { reconcilePendingOrders } from '../../shared/orders/reconcile-orders';
import { checkoutJobs } from '../../shared/queue/checkout-queue';
import type { ReconcilerSettings } from '../../worker/reconciler/reconciler';
import { useCheckoutQueue } from '../support/checkout-queue';
import { useTestApp } from '../support/test-app';

const SETTINGS: ReconcilerSettings = { intervalMs: 1_000, reconcileAfterMs: 10_000, pendingTimeoutMs: 300_000 };
/** Older than reconcileAfterMs, younger than pendingTimeoutMs. */
const STALE = '1 minute';
/** Older than pendingTimeoutMs. */
const EXPIRED = '10 minutes';

describe('reconciler', () => {
  const t = useTestApp();
  const jobs = useCheckoutQueue(() => t);
  beforeEach(async () => {
    // reconcileOnce scans every pending order, so each test starts from an empty jobs.queue and empty tables
    await jobs.queue.obliterate({ force: true });
    await t.sql('DELETE FROM idempotency_keys');
    await t.sql('DELETE FROM order_status_history');
    await t.sql('DELETE FROM order_items');
    await t.sql('DELETE FROM orders');
    await t.sql('DELETE FROM cart_items');
  });

  const db = () => t.app.db;

  async function createProduct(stock = 10): Promise<string> {
    const [row] = await t.sql<{ id: string }>(
      "INSERT INTO products (name, price, stock) VALUES ($1, '4.20', $2) RETURNING id",
      [`Product ${randomUUID().slice(0, 6)}`, stock],
    );
    return row!.id;
  }

  /** A pending order (made by the real checkout use case) created `age` ago, with one cart line. */
  async function pendingOrder(age?: string): Promise<{ orderId: string; userId: string; productId: string }> {
    const userId = `user-${randomUUID().slice(0, 8)}`;
    const productId = await createProduct();
    await t.sql('INSERT INTO cart_items (user_id, product_id, quantity) VALUES ($1, $2, 2)', [userId, productId]);
    const { orderId } = await requestCheckout(db(), {
      userId,
      body: { contact: `${userId}@example.com`, address: '1 Test Street' },
      requestId: `req-${userId}`,
    });
    if (age) await ageOrder(orderId, age);
    return { orderId, userId, productId };
  }

  it('while Redis is unreachable, still expires old pending orders, gives up on Redis within seconds and leaves no order locked', async () => {
    const deadRedis = createRedis({ kind: 'server', url: 'redis://127.0.0.1:1' }, 'blocking', 'checkout-test');
    deadRedis.on('error', () => undefined);
    const deadQueue = createCheckoutQueue(deadRedis, t.config.QUEUE_PREFIX);
    deadQueue.on('error', () => undefined);
    try {
      const expired = await pendingOrder(EXPIRED);
      const stale = await pendingOrder(STALE);
      const started = Date.now();
      await expect(reconcilePendingOrders(db(), checkoutJobs(deadQueue), SETTINGS)).rejects.toThrow(/took longer than/);
      expect(Date.now() - started).toBeLessThan(8_000);
      const [row] = await t.sql<{ status: string; failure_reason: string }>(
        'SELECT status, failure_reason FROM orders WHERE id = $1',
        [expired.orderId],
      );
      expect(row).toEqual({ status: 'failed', failure_reason: 'PROCESSING_ERROR' });
      // the stale order's row lock was released with the rolled-back pass: it can be locked at once
      const locked = await t.sql(`SELECT id FROM orders WHERE id = $1 FOR UPDATE NOWAIT`, [stale.orderId]);
      expect(locked).toHaveLength(1);
    } finally {
      await deadQueue.close().catch(() => undefined);
      deadRedis.disconnect();
    }
  });

  /** An order already out of pending, written by SQL with its history. */
  async function orderIn(status: 'placed' | 'failed' | 'cancelled', age: string): Promise<string> {
    const orderId = randomUUID();
    await t.sql(
      `INSERT INTO orders (id, user_id, status, contact, address, created_at, failure_reason)
       VALUES ($1, $2, $3, 'c@example.com', '1 Test Street', now() - $4::interval, $5)`,
      [orderId, `user-${randomUUID().slice(0, 8)}`, status, age, status === 'failed' ? 'OUT_OF_STOCK' : null],
    );
    await t.sql("INSERT INTO order_status_history (order_id, status, actor) VALUES ($1, 'pending', 'customer:x'), ($1, $2, 'worker')", [
      orderId,
      status,
    ]);
    return orderId;
  }

  const ageOrder = (orderId: string, age: string) =>
    t.sql('UPDATE orders SET created_at = now() - $2::interval WHERE id = $1', [orderId, age]);
  const orderRow = async (orderId: string) =>
    (
      await t.sql<{ status: string; failure_reason: string | null; failure_details: unknown; updated_at: Date }>(
        'SELECT status, failure_reason, failure_details, updated_at FROM orders WHERE id = $1',
        [orderId],
      )
    )[0]!;
  const history = (orderId: string) =>
    t.sql<{ status: string; actor: string }>('SELECT status, actor FROM order_status_history WHERE order_id = $1 ORDER BY id', [
      orderId,
    ]);
  const jobCount = async () => {
    const counts = await jobs.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  };

  /** Runs `job` through a throwaway worker whose processor gives `outcome`, then closes the worker. */
  async function finishJob(job: Job<CheckoutJobData, CheckoutJobResult>, outcome: 'fail' | 'complete'): Promise<void> {
    const workerConnection = createRedis(t.config.redis, 'blocking', 'checkout-test');
    const worker = new Worker<CheckoutJobData, CheckoutJobResult>(
      CHECKOUT_QUEUE,
      async () => {
        if (outcome === 'fail') throw new UnrecoverableError('ORDER_NOT_FOUND');
        return { status: 'skipped', reason: 'test' };
      },
      { connection: workerConnection, prefix: t.config.QUEUE_PREFIX },
    );
    try {
      const wanted = outcome === 'fail' ? 'failed' : 'completed';
      const deadline = Date.now() + 10_000;
      while ((await job.getState()) !== wanted) {
        if (Date.now() > deadline) throw new Error(`job ${job.id} never became ${wanted}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    } finally {
      await worker.close();
      await workerConnection.quit();
    }
  }

  describe('jobs of stale pending orders', () => {
    it('enqueues a job, keyed by the order id, for a stale pending order whose job is missing', async () => {
      const { orderId, userId } = await pendingOrder(STALE);

      expect(await reconcilePendingOrders(db(), checkoutJobs(jobs.queue), SETTINGS)).toEqual({ expired: 0, requeued: 1, retried: 0 });

      const job = await jobs.queue.getJob(orderId);
      expect(job?.id).toBe(orderId);
      expect(job?.data).toEqual({ orderId, userId, requestId: `req-${userId}` });
      expect(await job?.getState()).toBe('waiting');
      expect(await jobCount()).toBe(1);
      expect((await orderRow(orderId)).status).toBe('pending');
    });

    it('leaves alone a stale pending order whose job is waiting', async () => {
      const { orderId, userId } = await pendingOrder(STALE);
      const added = await enqueueCheckout(jobs.queue, { data: { orderId, userId } });

      expect(await reconcilePendingOrders(db(), checkoutJobs(jobs.queue), SETTINGS)).toEqual({ expired: 0, requeued: 0, retried: 0 });

      const job = await jobs.queue.getJob(orderId);
      expect(await job?.getState()).toBe('waiting');
      expect(job?.timestamp).toBe(added.timestamp);
      expect(job?.data).toEqual({ orderId, userId });
      expect(await jobCount()).toBe(1);
    });

    it('leaves alone a stale pending order whose job is delayed (waiting for its backoff)', async () => {
      const { orderId, userId } = await pendingOrder(STALE);
      await jobs.queue.add('place-order', { orderId, userId }, { jobId: orderId, delay: 60_000 });

      expect(await reconcilePendingOrders(db(), checkoutJobs(jobs.queue), SETTINGS)).toEqual({ expired: 0, requeued: 0, retried: 0 });

      expect(await (await jobs.queue.getJob(orderId))?.getState()).toBe('delayed');
      expect(await jobCount()).toBe(1);
    });

    it('retries the failed job of a stale pending order', async () => {
      const { orderId, userId } = await pendingOrder(STALE);
      const job = await enqueueCheckout(jobs.queue, { data: { orderId, userId } });
      await finishJob(job, 'fail');
      expect(await job.getState()).toBe('failed');

      expect(await reconcilePendingOrders(db(), checkoutJobs(jobs.queue), SETTINGS)).toEqual({ expired: 0, requeued: 0, retried: 1 });

      expect(await (await jobs.queue.getJob(orderId))?.getState()).toBe('waiting');
      expect(await jobCount()).toBe(1);
      expect((await orderRow(orderId)).status).toBe('pending');
    });

    it('replaces the completed job of an order that is still pending', async () => {
      const { orderId, userId } = await pendingOrder(STALE);
      const job = await enqueueCheckout(jobs.queue, { data: { orderId, userId } });
      await finishJob(job, 'complete');

      expect(await reconcilePendingOrders(db(), checkoutJobs(jobs.queue), SETTINGS)).toEqual({ expired: 0, requeued: 1, retried: 0 });

      expect(await (await jobs.queue.getJob(orderId))?.getState()).toBe('waiting');
      expect(await jobCount()).toBe(1);
    });

    it('does not touch a pending order younger than reconcileAfterMs', async () => {
      const { orderId } = await pendingOrder();
      await ageOrder(orderId, '5 seconds');

      expect(await reconcilePendingOrders(db(), checkoutJobs(jobs.queue), SETTINGS)).toEqual({ expired: 0, requeued: 0, retried: 0 });

      expect(await jobs.queue.getJob(orderId)).toBeUndefined();
      expect(await jobCount()).toBe(0);
      expect((await orderRow(orderId)).status).toBe('pending');
    });
  });

  describe('pending timeout', () => {
    it('fails an order pending longer than pendingTimeoutMs with PROCESSING_ERROR, by the reconciler, and keeps its cart', async () => {
      const { orderId, userId, productId } = await pendingOrder(EXPIRED);

      expect(await reconcilePendingOrders(db(), checkoutJobs(jobs.queue), SETTINGS)).toEqual({ expired: 1, requeued: 0, retried: 0 });

      const order = await orderRow(orderId);
      expect(order.status).toBe('failed');
      expect(order.failure_reason).toBe('PROCESSING_ERROR');
      expect(order.failure_details).toEqual({ message: 'not placed within 300 s' });
      expect(await history(orderId)).toEqual([
        { status: 'pending', actor: `customer:${userId}` },
        { status: 'failed', actor: 'reconciler' },
      ]);
      expect(await t.sql('SELECT product_id, quantity FROM cart_items WHERE user_id = $1', [userId])).toEqual([
        { product_id: productId, quantity: 2 },
      ]);
      expect(await jobs.queue.getJob(orderId)).toBeUndefined();
      // the cart is unlocked: the user can check out again
      await expect(
        requestCheckout(db(), { userId, body: { contact: 'again@example.com', address: '1 Test Street' }, requestId: 'r2' }),
      ).resolves.toMatchObject({ replayed: false });
    });

    it('expirePendingOrders returns exactly the orders it failed, and only those past the timeout', async () => {
      const old = await pendingOrder(EXPIRED);
      const stale = await pendingOrder(STALE);
      const fresh = await pendingOrder();

      expect(await expirePendingOrders(db(), SETTINGS.pendingTimeoutMs)).toEqual([old.orderId]);
      expect(await expirePendingOrders(db(), SETTINGS.pendingTimeoutMs)).toEqual([]);

      expect((await orderRow(old.orderId)).status).toBe('failed');
      expect((await orderRow(stale.orderId)).status).toBe('pending');
      expect((await orderRow(fresh.orderId)).status).toBe('pending');
    });

    it('skips an order that a worker holds locked right now, and fails it once the lock is gone', async () => {
      const { orderId } = await pendingOrder(EXPIRED);
      const placement = await db().transaction();
      try {
        await db().query('SELECT id FROM orders WHERE id = $1 FOR UPDATE', { bind: [orderId], transaction: placement });
        expect(await expirePendingOrders(db(), SETTINGS.pendingTimeoutMs)).toEqual([]);
      } finally {
        await placement.rollback();
      }
      expect(await expirePendingOrders(db(), SETTINGS.pendingTimeoutMs)).toEqual([orderId]);
    });
  });

  describe('orders that are not pending', () => {
    it('never touches a placed, failed or cancelled order, however old', async () => {
      const ids = [await orderIn('placed', EXPIRED), await orderIn('failed', STALE), await orderIn('cancelled', '1 day')];
      const before = await Promise.all(ids.map(async (id) => ({ order: await orderRow(id), history: await history(id) })));

      expect(await reconcilePendingOrders(db(), checkoutJobs(jobs.queue), SETTINGS)).toEqual({ expired: 0, requeued: 0, retried: 0 });

      const after = await Promise.all(ids.map(async (id) => ({ order: await orderRow(id), history: await history(id) })));
      expect(after).toEqual(before);
      expect(await jobCount()).toBe(0);
    });
  });

  describe('several reconcilers at once', () => {
    it('two concurrent passes create one job for a missing one and fail a timed-out order once', async () => {
      const stale = await pendingOrder(STALE);
      const old = await pendingOrder(EXPIRED);

      const results = await Promise.all([reconcilePendingOrders(db(), checkoutJobs(jobs.queue), SETTINGS), reconcilePendingOrders(db(), checkoutJobs(jobs.queue), SETTINGS)]);

      expect(results[0]!.expired + results[1]!.expired).toBe(1);
      const jobsOfStale = (await jobs.queue.getJobs()).filter((job) => job.id === stale.orderId);
      expect(jobsOfStale).toHaveLength(1);
      expect(await jobsOfStale[0]!.getState()).toBe('waiting');
      expect(await orderRow(old.orderId)).toMatchObject({ status: 'failed', failure_reason: 'PROCESSING_ERROR' });
      expect(await history(old.orderId)).toEqual([
        { status: 'pending', actor: `customer:${old.userId}` },
        { status: 'failed', actor: 'reconciler' },
      ]);
    });

    it('does not enqueue a job for an order that another reconciler is failing at that moment', async () => {
      const old = await pendingOrder(EXPIRED);
      // Pause reconciler A inside its expiry transaction (it holds the order's row lock; its transition
      // waits to write the history row), then run reconciler B to completion.
      const blocker = await db().transaction();
      let first: Promise<unknown> | undefined;
      try {
        await db().query('LOCK TABLE order_status_history IN SHARE MODE', { transaction: blocker });
        first = reconcilePendingOrders(db(), checkoutJobs(jobs.queue), SETTINGS);
        await waitForLockWait('%INSERT INTO order_status_history%');

        const second = await reconcilePendingOrders(db(), checkoutJobs(jobs.queue), SETTINGS);
        await blocker.commit();
        expect(await first).toEqual({ expired: 1, requeued: 0, retried: 0 });

        expect(await orderRow(old.orderId)).toMatchObject({ status: 'failed', failure_reason: 'PROCESSING_ERROR' });
        expect((await history(old.orderId)).map((row) => row.status)).toEqual(['pending', 'failed']);
        // B skipped the locked order in its expiry step (SKIP LOCKED) and must not treat it as a stale order with a missing job
        expect(second).toEqual({ expired: 0, requeued: 0, retried: 0 });
        expect(await jobs.queue.getJob(old.orderId)).toBeUndefined();
      } finally {
        if (!(blocker as unknown as { finished?: string }).finished) await blocker.rollback();
        await first?.catch(() => undefined);
      }
    });

    it('two passes that find the same failed job at once both succeed and leave one job waiting', async () => {
      const { orderId, userId } = await pendingOrder(STALE);
      const job = await enqueueCheckout(jobs.queue, { data: { orderId, userId } });
      await finishJob(job, 'fail');

      // Plug the queue's Redis connection with a blocking pop: both passes queue their job lookups
      // behind it, so when it returns they both read the job as failed before either retries it.
      const plug = jobs.connection.blpop(`${t.config.QUEUE_PREFIX}:test-plug`, 0.5);
      const passes = [reconcilePendingOrders(db(), checkoutJobs(jobs.queue), SETTINGS), reconcilePendingOrders(db(), checkoutJobs(jobs.queue), SETTINGS)];
      await plug;
      const outcomes = await Promise.allSettled(passes);

      expect(outcomes.map((outcome) => (outcome.status === 'rejected' ? String(outcome.reason) : 'ok'))).toEqual(['ok', 'ok']);
      expect(await (await jobs.queue.getJob(orderId))?.getState()).toBe('waiting');
      expect(await jobCount()).toBe(1);
    });
  });

  /** Waits until a backend of this database is blocked on a lock while running a statement like `pattern`. */
  async function waitForLockWait(pattern: string, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const rows = await t.sql(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE $1`,
        [pattern],
      );
      if (rows.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no statement like ${pattern} waited for a lock`);
  }
});
