import type { Logger } from 'pino';
import { forgetExpiredIdempotencyKeys } from '../../shared/checkout/checkout-service';
import type { Database } from '../../shared/db/database';
import { reconcilePendingOrders, type CheckoutJobs, type ReconcileResult, type ReconcileSettings } from '../../shared/orders/reconcile-orders';

export interface ReconcilerSettings extends ReconcileSettings {
  intervalMs: number;
}

export interface RunningReconciler {
  /** Runs a pass now for every pending order, whatever its age (the queue lost data: their jobs are gone). */
  reconcileNow: () => void;
  stop: () => Promise<void>;
}

/**
 * Every interval (with jitter, so processes drift apart) until stopped, and never two at once: the pending orders
 * are reconciled (shared/orders/reconcile-orders.ts), then the expired Idempotency-Keys forgotten.
 */
export function startReconciler(
  db: Database,
  jobs: CheckoutJobs,
  settings: ReconcilerSettings,
  log: Logger,
  { onResult = () => undefined, announce }: { onResult?: (result: ReconcileResult) => void; announce?: (orderIds: string[]) => void } = {},
): RunningReconciler {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let passes: Promise<void> = Promise.resolve();

  const pass = async (options: { olderThanMs?: number }) => {
    try {
      const result = await reconcilePendingOrders(db, jobs, settings, { ...options, announce });
      onResult(result);
      if (result.expired || result.requeued || result.retried) log.info(result, 'reconciler acted');
      await forgetExpiredIdempotencyKeys(db);
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
