import type { Config } from '../config/config-schema';

/**
 * Connections a worker process's pool may open: every concurrent job holds
 * one for its transaction, and the reconciler and metrics need one more each.
 */
export function workerPoolMax(config: Pick<Config, 'DB_POOL_MAX' | 'WORKER_CONCURRENCY'>): number {
  return Math.max(config.DB_POOL_MAX, config.WORKER_CONCURRENCY + 2);
}
