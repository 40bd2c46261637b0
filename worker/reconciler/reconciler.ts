import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { withTimeout } from '../../shared/async/with-timeout';
import { purgeExpiredIdempotencyKeys } from '../../shared/checkout/checkout-repository';
import type { Database } from '../../shared/db/database';
import { expirePendingOrders } from '../../shared/orders/expire-pending-orders';
import { claimStalePendingOrders, type StaleOrder } from '../../shared/orders/order-repository';
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
/** Each order's Redis calls are given up after this: a slow or dead Redis ends the pass within seconds. */
const REDIS_TIMEOUT_MS = 2_000;
/** A claimed order is left to its claimer this long: longer than a pass can take, short enough to retry soon. */
const CLAIM_LEASE_MS = 3 * REDIS_TIMEOUT_MS;

/**
 * One pass: fail orders pending too long, then make sure every other stale
 * pending order has a live job (Redis may have lost it, or its retries ran
 * out). The stale orders are claimed for a short lease in one statement and
 * committed before Redis is asked anything, so no row lock is held while
 * Redis answers (or does not): workers and customers' cancels never wait on
 * it. Safe with several reconcilers: a claim is exclusive while its lease
 * runs, job ids are order ids, and transitions are guarded.
 * `olderThanMs` overrides `reconcileAfterMs` (0: every pending order, after
 * Redis lost its data); `announce` is told the orders it expired (after their commit).
 */
export async function reconcileOnce(
  db: Database,
  queue: Queue<CheckoutJobData, CheckoutJobResult>,
  settings: ReconcilerSettings,
  {
    olderThanMs = settings.reconcileAfterMs,
    announce = () => undefined,
  }: { olderThanMs?: number; announce?: (orderIds: string[]) => void } = {},
): Promise<ReconcileResult> {
  // expiry needs only PostgreSQL: it runs first, so a Redis outage cannot keep orders pending
  const expired = await expirePendingOrders(db, settings.pendingTimeoutMs);
  announce(expired);
  await purgeAllExpiredIdempotencyKeys(db);
  const claimed = await claimStalePendingOrders(db, olderThanMs, CLAIM_LEASE_MS, BATCH);
  const actions = await Promise.all(claimed.map((order) => withTimeout(REDIS_TIMEOUT_MS, ensureLiveJob(queue, order))));
  return {
    expired: expired.length,
    requeued: actions.filter((action) => action === 'requeued').length,
    retried: actions.filter((action) => action === 'retried').length,
  };
}

/** Expired keys are deleted in batches until none is left: a pass keeps pace with any checkout rate. */
const PURGE_BATCH = 1_000;

async function purgeAllExpiredIdempotencyKeys(db: Database): Promise<void> {
  while ((await purgeExpiredIdempotencyKeys(db, PURGE_BATCH)) === PURGE_BATCH);
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
    // the job continues the checkout's trace (kept with the order)
    await enqueueCheckout(queue, {
      data: { orderId: order.id, userId: order.userId, requestId: order.requestId ?? undefined },
      traceparent: order.traceparent,
    });
    return 'requeued';
  }
  return 'alive';
}

export interface RunningReconciler {
  /** Runs a pass now for every pending order, whatever its age (Redis lost its data: their jobs are gone). */
  reconcileNow: () => void;
  stop: () => Promise<void>;
}

/** Runs `reconcileOnce` every interval (with jitter, so processes drift apart) until stopped; passes never overlap. */
export function startReconciler(
  db: Database,
  queue: Queue<CheckoutJobData, CheckoutJobResult>,
  settings: ReconcilerSettings,
  log: Logger,
  { onResult = () => undefined, announce }: { onResult?: (result: ReconcileResult) => void; announce?: (orderIds: string[]) => void } = {},
): RunningReconciler {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let passes: Promise<void> = Promise.resolve();

  const pass = async (options: { olderThanMs?: number }) => {
    try {
      const result = await reconcileOnce(db, queue, settings, { ...options, announce });
      onResult(result);
      if (result.expired || result.requeued || result.retried) log.info(result, 'reconciler acted');
    } catch (error) {
      log.warn({ err: error }, 'reconciler pass failed');
    }
  };
  const run = (options: { olderThanMs?: number }) => (passes = passes.then(() => pass(options)));
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void run({}).then(schedule), settings.intervalMs * (0.75 + Math.random() * 0.5));
  };

  schedule();
  return {
    reconcileNow: () => {
      if (!stopped) void run({ olderThanMs: 0 });
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await passes;
    },
  };
}
