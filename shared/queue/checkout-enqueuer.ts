import type { Queue } from 'bullmq';
import type { WarnLog } from '../logging/logger';
import { batchWhileBusy } from '../async/batch-while-busy';
import { withTimeout } from '../async/with-timeout';
import type { RedisClient } from '../redis/redis-connection';
import { enqueueCheckouts, type CheckoutJob, type CheckoutJobData, type CheckoutJobResult } from './checkout-queue';

export interface EnqueuerSettings {
  /** A checkout's answer never waits longer than this on Redis. */
  timeoutMs: number;
  /** How often jobs left behind are tried again (and at once when the connection is ready again). */
  retryMs: number;
  /** Jobs left behind kept at most (past it, the reconciler alone gets the rest to Redis). */
  maxLeftBehind: number;
}

const DEFAULTS: EnqueuerSettings = { timeoutMs: 1_000, retryMs: 1_000, maxLeftBehind: 10_000 };
/** Jobs added together (one `addBulk`) at most, and such additions at once. */
const ADD_LIMITS = { maxInFlight: 2, maxBatch: 100 };

export interface CheckoutEnqueuer {
  /**
   * Adds the job of a committed order, or leaves it behind to be added when Redis answers again: resolves `added` or
   * `left`, never rejects and never waits longer than `timeoutMs`.
   */
  enqueue: (job: CheckoutJob, log: WarnLog) => Promise<'added' | 'left'>;
  /** Jobs left behind, not yet added. */
  leftBehind: () => number;
  /** Tries once more to add the jobs left behind, then stops retrying. */
  close: () => Promise<void>;
}

/**
 * The API's side of getting committed orders' jobs to Redis. The 202 never waits on an unreachable Redis: a job that
 * cannot be added now is kept and added again as soon as the connection is ready, and every `retryMs` while some are
 * left — orders accepted during a Redis failover are placed seconds after it, not when the reconciler's next pass
 * finds them. The reconciler stays the net (this process may die holding jobs, or hold more than `maxLeftBehind`);
 * a job added twice is one job (its id is its order id).
 */
export function checkoutEnqueuer(
  queue: Queue<CheckoutJobData, CheckoutJobResult>,
  redis: RedisClient,
  settings: Partial<EnqueuerSettings> = {},
): CheckoutEnqueuer {
  const { timeoutMs, retryMs, maxLeftBehind } = { ...DEFAULTS, ...settings };
  const add = batchWhileBusy(async (jobs: CheckoutJob[]) => {
    await enqueueCheckouts(queue, jobs);
    return jobs.map(() => undefined);
  }, ADD_LIMITS);
  const left = new Map<string, CheckoutJob>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const addNow = async (jobs: CheckoutJob[]) => {
    // BullMQ would wait for a connection that is not ready instead of failing
    if (redis.status !== 'ready') throw new Error(`redis is ${redis.status}`);
    await withTimeout(timeoutMs, Promise.all(jobs.map((job) => add(job))));
  };

  /** Adds the jobs left behind, a batch at a time, until none is left or one fails (the next try goes on). */
  const addLeft = async () => {
    while (left.size > 0) {
      const jobs = [...left.values()].slice(0, ADD_LIMITS.maxBatch);
      await addNow(jobs);
      for (const job of jobs) left.delete(job.data.orderId);
    }
  };
  const retry = async () => {
    timer = undefined;
    // still unreachable: the next try, or the reconciler
    await addLeft().catch(() => undefined);
    scheduleRetry();
  };
  const scheduleRetry = () => {
    if (closed || timer || left.size === 0) return;
    timer = setTimeout(() => void retry(), retryMs);
    timer.unref();
  };
  const onReady = () => {
    if (left.size === 0) return;
    clearTimeout(timer);
    void retry();
  };
  redis.on('ready', onReady);

  return {
    enqueue: async (job, log) => {
      try {
        await addNow([job]);
        return 'added';
      } catch (error) {
        if (left.size < maxLeftBehind) left.set(job.data.orderId, job);
        scheduleRetry();
        log.warn({ err: error, order_id: job.data.orderId }, 'enqueue failed; added again when Redis answers (the reconciler is the net)');
        return 'left';
      }
    },
    leftBehind: () => left.size,
    close: async () => {
      closed = true;
      clearTimeout(timer);
      redis.off('ready', onReady);
      await addLeft().catch(() => undefined);
      left.clear();
    },
  };
}
