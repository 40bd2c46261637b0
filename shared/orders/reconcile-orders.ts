import { withTimeout } from '../async/with-timeout';
import type { Database } from '../db/database';
import type { CheckoutJob } from '../queue/checkout-queue';
import { expirePendingOrders } from './expire-pending-orders';
import { claimStalePendingOrders, type StaleOrder } from './order-repository';

/** What reconciling needs of the checkout queue (the worker gives it BullMQ's: `checkoutJobs` in shared/queue/). */
export interface CheckoutJobs {
  /** The order's job: none, failed (its retries ran out), finished, or alive (waiting, running, delayed). */
  stateOf: (orderId: string) => Promise<'missing' | 'failed' | 'finished' | 'alive'>;
  /** Runs a failed job again; false when it was not failed any more (another reconciler retried it). */
  retry: (orderId: string) => Promise<boolean>;
  /** Adds the order's job, in place of a finished one. */
  replace: (job: CheckoutJob) => Promise<void>;
}

export interface ReconcileSettings {
  reconcileAfterMs: number;
  pendingTimeoutMs: number;
}

export interface ReconcileResult {
  expired: number;
  requeued: number;
  retried: number;
}

const BATCH = 100;
/** Each order's queue calls are given up after this: a slow or dead Redis ends the pass within seconds. */
const QUEUE_TIMEOUT_MS = 2_000;
/** A claimed order is left to its claimer this long: longer than a pass can take, short enough to retry soon. */
const CLAIM_LEASE_MS = 3 * QUEUE_TIMEOUT_MS;

/**
 * Sees to the orders still pending: fails those pending too long (PROCESSING_ERROR, their carts unlocked), then
 * makes sure every other stale one has a live job — the queue may have lost it, or its retries ran out. The stale
 * orders are claimed for a short lease in one statement and committed before the queue is asked anything, so no row
 * lock is held while it answers (or does not): workers and customers' cancels never wait on it. Safe with several
 * reconcilers: a claim is exclusive while its lease runs, job ids are order ids, and transitions are guarded.
 * `olderThanMs` overrides `reconcileAfterMs` (0: every pending order, after the queue lost data); `announce` is told
 * the orders it expired (after their commit).
 */
export async function reconcilePendingOrders(
  db: Database,
  jobs: CheckoutJobs,
  settings: ReconcileSettings,
  {
    olderThanMs = settings.reconcileAfterMs,
    announce = () => undefined,
  }: { olderThanMs?: number; announce?: (orderIds: string[]) => void } = {},
): Promise<ReconcileResult> {
  // expiry needs only PostgreSQL: it runs first, so a queue outage cannot keep orders pending
  const expired = await expirePendingOrders(db, settings.pendingTimeoutMs);
  announce(expired);
  const claimed = await claimStalePendingOrders(db, olderThanMs, CLAIM_LEASE_MS, BATCH);
  const actions = await Promise.all(claimed.map((order) => withTimeout(QUEUE_TIMEOUT_MS, ensureLiveJob(jobs, order))));
  return {
    expired: expired.length,
    requeued: actions.filter((action) => action === 'requeued').length,
    retried: actions.filter((action) => action === 'retried').length,
  };
}

/** Gives a pending order a job that will run: retry a failed one, replace a missing or finished one. */
async function ensureLiveJob(jobs: CheckoutJobs, order: StaleOrder): Promise<'requeued' | 'retried' | 'alive'> {
  const state = await jobs.stateOf(order.id);
  if (state === 'failed') return (await jobs.retry(order.id)) ? 'retried' : 'alive';
  if (state === 'alive') return 'alive';
  // the job continues the checkout's trace (kept with the order)
  await jobs.replace({ data: { orderId: order.id, userId: order.userId, requestId: order.requestId ?? undefined }, traceparent: order.traceparent });
  return 'requeued';
}
