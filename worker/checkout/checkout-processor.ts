import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { describeFailure } from '../../shared/orders/failure-description';
import type { PlacementOutcome } from '../../shared/placement/place-order';
import type { CheckoutJobData, CheckoutJobResult } from '../../shared/queue/checkout-queue';
import type { WorkerMetrics } from '../metrics/worker-metrics';

/**
 * The checkout job: place the order, and announce its new status. Business outcomes end the job for good
 * (failed orders as UnrecoverableError, so they show as failed in Bull Board);
 * anything thrown otherwise is transient and retried with backoff.
 */
export function createCheckoutProcessor(
  /** Places one order (grouped with others while the worker is busy: groupingPlacer). */
  place: (orderId: string) => Promise<PlacementOutcome>,
  log: Logger,
  metrics: Pick<WorkerMetrics, 'jobs' | 'placementDuration'>,
  /** Tells the API processes the order is final (after the commit), to wake its long-polls. */
  announce: (orderIds: string[]) => void,
) {
  return async (job: Job<CheckoutJobData, CheckoutJobResult>): Promise<CheckoutJobResult> => {
    const jobLog = log.child({ order_id: job.data.orderId, request_id: job.data.requestId, job_id: job.id });
    const started = performance.now();
    jobLog.debug({ attempt: job.attemptsMade + 1 }, 'placing order');
    try {
      const outcome = await place(job.data.orderId);
      if (outcome.status === 'placed' || outcome.status === 'failed') announce([job.data.orderId]);
      const ms = Math.round(performance.now() - started);
      metrics.placementDuration.observe(ms / 1000);
      metrics.jobs.inc({ result: outcome.status === 'missing' ? 'failed' : outcome.status });
      switch (outcome.status) {
        case 'placed':
          jobLog.info({ ms, total_price: outcome.totalPrice, items_count: outcome.itemsCount }, 'order placed');
          return { status: 'placed' };
        case 'skipped':
          jobLog.info({ ms, current: outcome.current }, 'order no longer pending, nothing to do');
          return { status: 'skipped', reason: outcome.current };
        case 'failed':
          jobLog.info({ ms, reason: outcome.reason, details: outcome.details }, 'order failed');
          // what Bull Board shows as the job's failure: the reason with its details, no stack trace
          throw new UnrecoverableError(describeFailure(outcome.reason, outcome.details));
        case 'missing':
          jobLog.error('order not found');
          throw new UnrecoverableError('ORDER_NOT_FOUND');
      }
    } catch (error) {
      if (!(error instanceof UnrecoverableError)) {
        metrics.jobs.inc({ result: 'error' });
        jobLog.warn({ err: error, attempt: job.attemptsMade + 1 }, 'placement attempt failed, will retry');
      }
      throw error;
    }
  };
}
