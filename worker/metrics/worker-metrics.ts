import { registerOrderMetrics } from '../../shared/orders/order-metrics';
import { registerPoolMetrics } from '../../shared/db/pool-metrics';
import type { Queue } from 'bullmq';
import { Counter, Histogram, Registry } from 'prom-client';
import type { CheckoutJobData, CheckoutJobResult } from '../../shared/queue/checkout-queue';
import { registerDependencyMetrics, registerQueueMetrics } from '../../shared/queue/queue-metrics';
import { pingDatabase, type Database } from '../../shared/db/database';
import type { RedisClient } from '../../shared/redis/redis-connection';
import { registerOutboxMetrics } from '../../shared/events/outbox-metrics';


/**
 * The worker's metrics: counted by the code that does the work, or read from
 * Redis/PostgreSQL at scrape time; they join `processMetrics` (the process's
 * own, which `worker/main.ts` hands over) when given.
 */
export function createWorkerMetrics(
  db: Database,
  queue: Queue<CheckoutJobData, CheckoutJobResult>,
  redis: RedisClient,
  processMetrics?: Registry,
) {
  const registry = processMetrics ?? new Registry();
  const registers = [registry];

  const jobs = new Counter({
    name: 'checkout_jobs_total',
    help: 'Checkout jobs processed by this worker, by result (placed, failed, skipped, error = will retry)',
    labelNames: ['result'] as const,
    registers,
  });
  const placementDuration = new Histogram({
    name: 'checkout_placement_duration_seconds',
    help: 'Duration of the placement transaction',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const reconcilerActions = new Counter({
    name: 'reconciler_actions_total',
    help: 'Orders the reconciler re-enqueued, retried or expired',
    labelNames: ['action'] as const,
    registers,
  });
  // every series exists from the start, so rates and alerts see zeros instead of gaps
  for (const result of ['placed', 'failed', 'skipped', 'error']) jobs.inc({ result }, 0);
  for (const action of ['expired', 'requeued', 'retried']) reconcilerActions.inc({ action }, 0);
  const eventsPublished = new Counter({
    name: 'ml_events_published_total',
    help: 'ML events this process published to the stream',
    registers,
  });
  const eventsRepublished = new Counter({
    name: 'ml_events_republished_total',
    help: 'Outbox rows this process put back for publishing after Redis lost data',
    registers,
  });
  registerQueueMetrics(registry, queue);
  registerOrderMetrics(registry, db);
  registerPoolMetrics(registry, db);
  registerDependencyMetrics(registry, { postgres: () => pingDatabase(db), redis: () => redis.ping() });
  registerOutboxMetrics(registry, db);

  return { registry, jobs, placementDuration, reconcilerActions, eventsPublished, eventsRepublished };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
