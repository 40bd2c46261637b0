import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { withTimeout } from '../../shared/async/with-timeout';
import { purgeExpiredIdempotencyKeys } from '../../shared/checkout/checkout-repository';
import type { Database } from '../../shared/db/database';
import { inTransaction } from '../../shared/db/transaction';
import { expirePendingOrders } from '../../shared/orders/expire-pending-orders';
import { lockStalePendingOrders, type StaleOrder } from '../../shared/orders/order-repository';
import { enqueueCheckout, type CheckoutJobData, type CheckoutJobResult } from '../../shared/queue/checkout-queue';

export interface ReconcilerSettings {
  intervalMs: number;
  reconcileAfterMs: number;
  pendingTimeoutMs: number;
}

export interface ReconcileResult {
  expired: number;
  requeued: number;
  retried: number;
}

const BATCH = 100;
/** No Redis call may hold the order locks longer than this (Redis down: the pass gives up and rolls back). */
const REDIS_TIMEOUT_MS = 2_000;

/**
 * One pass: fail orders pending too long, then make sure every other stale
 * pending order has a live job (Redis may have lost it, or its retries ran out).
 * Safe with several reconcilers: the orders are row-locked while their jobs
 * are checked, job ids are order ids, and transitions are guarded.
 */
export async function reconcileOnce(
  db: Database,
  queue: Queue<CheckoutJobData, CheckoutJobResult>,
  settings: ReconcilerSettings,
): Promise<ReconcileResult> {
  // expiry needs only PostgreSQL: it runs first, so a Redis outage cannot keep orders pending
  const expired = await expirePendingOrders(db, settings.pendingTimeoutMs);
  await purgeExpiredIdempotencyKeys(db);
  const result: ReconcileResult = { expired: expired.length, requeued: 0, retried: 0 };
  await inTransaction(db, async (tx) => {
    for (const order of await lockStalePendingOrders(tx, settings.reconcileAfterMs, BATCH)) {
      const action = await withTimeout(REDIS_TIMEOUT_MS, ensureLiveJob(queue, order));
      if (action === 'requeued') result.requeued += 1;
      if (action === 'retried') result.retried += 1;
    }
  });
  return result;
}

/** Gives a pending order a job that will run: retry a failed one, replace a missing or finished one. */
async function ensureLiveJob(
  queue: Queue<CheckoutJobData, CheckoutJobResult>,
  order: StaleOrder,
): Promise<'requeued' | 'retried' | 'alive'> {
  const job = await queue.getJob(order.id);
  const state = job ? await job.getState() : 'missing';
  if (state === 'failed') {
    // another reconciler may have retried it a moment ago: then it is alive
    return job!.retry('failed').then(
      () => 'retried' as const,
      () => 'alive' as const,
    );
  }
  if (state === 'missing' || state === 'unknown' || state === 'completed') {
    if (job) await job.remove();
    await enqueueCheckout(queue, { orderId: order.id, userId: order.userId, requestId: order.requestId ?? undefined });
    return 'requeued';
  }
  return 'alive';
}

/** Runs `reconcileOnce` every interval (with jitter, so processes drift apart) until stopped. */
export function startReconciler(
  db: Database,
  queue: Queue<CheckoutJobData, CheckoutJobResult>,
  settings: ReconcilerSettings,
  log: Logger,
  onResult: (result: ReconcileResult) => void = () => undefined,
): { stop: () => Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass().finally(schedule);
    }, settings.intervalMs * (0.75 + Math.random() * 0.5));
  };
  const pass = async () => {
    try {
      const result = await reconcileOnce(db, queue, settings);
      onResult(result);
      if (result.expired || result.requeued || result.retried) log.info(result, 'reconciler acted');
    } catch (error) {
      log.warn({ err: error }, 'reconciler pass failed');
    }
  };

  schedule();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
