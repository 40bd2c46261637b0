import { Gauge, type Registry } from 'prom-client';
import { withTimeout } from '../async/with-timeout';
import type { Database } from '../db/database';
import { oncePerScrape, readOrClear, SCRAPE_TIMEOUT_MS } from '../queue/queue-metrics';
import { pendingOrderFigures } from './order-repository';

/**
 * Orders pending and the age of the oldest, read from PostgreSQL at scrape
 * time: the customer's view of the backlog (a lost job, a stopped worker
 * fleet, a slow placement all show here). Every API and worker process
 * exports the same figures; take `max` across instances.
 */
export function registerOrderMetrics(registry: Registry, db: Database): void {
  const registers = [registry];
  // the scrape collects both gauges at once: one query serves both
  const read = oncePerScrape(() => withTimeout(SCRAPE_TIMEOUT_MS, pendingOrderFigures(db)));
  new Gauge({
    name: 'checkout_orders_pending',
    help: 'Orders accepted and not yet final',
    registers,
    async collect() {
      await readOrClear(this, async () => this.set((await read()).pending));
    },
  });
  new Gauge({
    name: 'checkout_oldest_pending_order_age_seconds',
    help: 'Age of the oldest pending order (0 when none is pending)',
    registers,
    async collect() {
      await readOrClear(this, async () => this.set((await read()).oldestAgeSeconds));
    },
  });
}
