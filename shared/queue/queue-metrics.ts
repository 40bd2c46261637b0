import type { Queue } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';
import { withTimeout } from '../async/with-timeout';
import type { CheckoutJobData, CheckoutJobResult } from './checkout-queue';

/** A scrape fails fast when Redis or PostgreSQL does not answer (the scraper then reports the target down). */
export const SCRAPE_TIMEOUT_MS = 2_000;

/**
 * `read` shared by the gauges of one scrape: prom-client starts every
 * collect at once, so a call while a read runs gets that read's result.
 */
export function oncePerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () =>
    (running ??= read().finally(() => {
      running = undefined;
    }));
}

export const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'] as const;

/**
 * The checkout queue's depth by state and the age of its oldest waiting job,
 * read from Redis at scrape time. Every API and worker process exports them
 * (the same figures: the queue is one), so the autoscaler reads the depth
 * from the API, which runs even when the workers are scaled to zero; take
 * `max` across instances, never `sum`.
 */
export function registerQueueMetrics(registry: Registry, queue: Queue<CheckoutJobData, CheckoutJobResult>): void {
  const registers = [registry];
  new Gauge({
    name: 'checkout_queue_jobs',
    help: 'Jobs in the checkout queue by state (the whole queue, as every process sees it)',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      const counts = await withTimeout(SCRAPE_TIMEOUT_MS, queue.getJobCounts(...JOB_STATES));
      for (const state of JOB_STATES) this.set({ state }, counts[state] ?? 0);
    },
  });
  new Gauge({
    name: 'checkout_queue_oldest_waiting_job_age_seconds',
    help: 'Age of the oldest job waiting for a worker (0 when none waits)',
    registers,
    async collect() {
      const [oldest] = await withTimeout(SCRAPE_TIMEOUT_MS, queue.getJobs(['wait'], 0, 0, true));
      this.set(oldest ? (Date.now() - oldest.timestamp) / 1000 : 0);
    },
  });
}
