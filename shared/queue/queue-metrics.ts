import type { Queue } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';
import { withTimeout } from '../async/with-timeout';
import type { CheckoutJobData, CheckoutJobResult } from './checkout-queue';

/** A scrape-time read gives up after this long when Redis or PostgreSQL does not answer. */
export const SCRAPE_TIMEOUT_MS = 2_000;

/**
 * Runs a gauge's scrape-time read; when it fails (Redis or PostgreSQL down or
 * slow) the gauge has no sample this scrape, instead of the whole scrape
 * failing: the process's other metrics, and `checkout_dependency_up` saying
 * which dependency is down, still reach Prometheus.
 */
export async function readOrClear(gauge: Gauge, read: () => Promise<void>): Promise<void> {
  try {
    await read();
  } catch {
    gauge.reset();
  }
}

/** `checkout_dependency_up{dependency}`: 1 when the probe answered within the scrape timeout, else 0. */
export function registerDependencyMetrics(registry: Registry, probes: Record<'postgres' | 'redis', () => Promise<unknown>>): void {
  new Gauge({
    name: 'checkout_dependency_up',
    help: 'Whether this process reaches its dependency (postgres, redis) right now: 1 yes, 0 no',
    labelNames: ['dependency'] as const,
    registers: [registry],
    async collect() {
      await Promise.all(
        Object.entries(probes).map(async ([dependency, probe]) => {
          const up = await withTimeout(SCRAPE_TIMEOUT_MS, probe()).then(
            () => 1,
            () => 0,
          );
          this.set({ dependency }, up);
        }),
      );
    },
  });
}

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
      await readOrClear(this, async () => {
        const counts = await withTimeout(SCRAPE_TIMEOUT_MS, queue.getJobCounts(...JOB_STATES));
        for (const state of JOB_STATES) this.set({ state }, counts[state] ?? 0);
      });
    },
  });
  new Gauge({
    name: 'checkout_queue_oldest_waiting_job_age_seconds',
    help: 'Age of the oldest job waiting for a worker (0 when none waits)',
    registers,
    async collect() {
      await readOrClear(this, async () => {
        const [oldest] = await withTimeout(SCRAPE_TIMEOUT_MS, queue.getJobs(['wait'], 0, 0, true));
        this.set(oldest ? (Date.now() - oldest.timestamp) / 1000 : 0);
      });
    },
  });
}
