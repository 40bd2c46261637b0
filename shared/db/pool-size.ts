import type { Config } from '../config/config-schema';

/**
 * Connections a worker process's pool may open: every placement transaction
 * in flight holds one, and the reconciler and metrics need one more each (a
 * group that failed is placed again order by order: those wait their turn).
 */
export function workerPoolMax(config: Pick<Config, 'DB_POOL_MAX' | 'PLACEMENT_GROUPS_IN_FLIGHT'>): number {
  return Math.max(config.DB_POOL_MAX, config.PLACEMENT_GROUPS_IN_FLIGHT + 2);
}
