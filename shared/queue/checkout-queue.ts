import { Queue, type JobsOptions } from 'bullmq';
import type { RedisClient } from '../redis/redis-connection';
import type { CheckoutJobs } from '../orders/reconcile-orders';
import { queueTelemetry, withTraceparent } from '../telemetry/tracing';

/** The queue that turns carts into orders. */
export const CHECKOUT_QUEUE = 'checkout';

/** A checkout job: keyed by `orderId` (also the BullMQ job id), so a duplicate add is a no-op. */
export interface CheckoutJobData {
  orderId: string;
  userId: string;
  /** The HTTP request id of the checkout, carried into the worker's logs. */
  requestId?: string;
}

/** What a completed checkout job reports (visible in Bull Board). */
export interface CheckoutJobResult {
  status: 'placed' | 'failed' | 'skipped';
  reason?: string;
}

/** Attempts with exponential backoff and jitter for transient errors; bounded retention. */
export const CHECKOUT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 500, jitter: 0.5 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 50_000 },
  // the failure reason says what went wrong; stack traces (with server paths) stay in the worker's logs
  stackTraceLimit: 0,
};

export function createCheckoutQueue(connection: RedisClient, prefix: string): Queue<CheckoutJobData, CheckoutJobResult> {
  return new Queue<CheckoutJobData, CheckoutJobResult>(CHECKOUT_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: CHECKOUT_JOB_OPTIONS,
    telemetry: queueTelemetry(),
  });
}

/** A job to add, with the W3C traceparent of the checkout it places (tracing on): the job continues that trace. */
export interface CheckoutJob {
  data: CheckoutJobData;
  traceparent?: string | null;
}

/** The job's options: its id is its order id; its trace context, when it has one, is the checkout's. */
function optionsOf({ data, traceparent }: CheckoutJob): JobsOptions {
  return { ...CHECKOUT_JOB_OPTIONS, jobId: data.orderId, ...(traceparent && { telemetry: { metadata: JSON.stringify({ traceparent }) } }) };
}

/** Adds the jobs of several orders in one round trip (`addBulk`); each job id is its order id. */
export function enqueueCheckouts(queue: Queue<CheckoutJobData, CheckoutJobResult>, jobs: CheckoutJob[]) {
  return queue.addBulk(jobs.map((job) => ({ name: 'place-order', data: job.data, opts: optionsOf(job) })));
}

/** Adds the job for an order; the job id is the order id. Its producer span (tracing on) joins the checkout's trace. */
export function enqueueCheckout(queue: Queue<CheckoutJobData, CheckoutJobResult>, job: CheckoutJob) {
  return withTraceparent(job.traceparent ?? null, () => queue.add('place-order', job.data, optionsOf(job)));
}

/** The reconciler's view of the checkout queue (shared/orders/reconcile-orders.ts), on BullMQ. */
export function checkoutJobs(queue: Queue<CheckoutJobData, CheckoutJobResult>): CheckoutJobs {
  return {
    stateOf: async (orderId) => {
      const job = await queue.getJob(orderId);
      const state = job ? await job.getState() : 'missing';
      if (state === 'failed') return 'failed';
      if (state === 'completed') return 'finished';
      return state === 'missing' || state === 'unknown' ? 'missing' : 'alive';
    },
    retry: async (orderId) => {
      const job = await queue.getJob(orderId);
      // another reconciler may have retried it a moment ago: then it is alive
      return job ? job.retry('failed').then(() => true, () => false) : false;
    },
    replace: async (job) => {
      await (await queue.getJob(job.data.orderId))?.remove();
      await enqueueCheckout(queue, job);
    },
  };
}
