import { Gauge, type Registry } from 'prom-client';
import { withTimeout } from '../async/with-timeout';
import type { Database } from '../db/database';
import { oncePerScrape, readOrClear, SCRAPE_TIMEOUT_MS } from '../queue/queue-metrics';
import { outboxLag } from './outbox-repository';

/** The ML events not yet published and the age of the oldest, read from PostgreSQL at scrape time. */
export function registerOutboxMetrics(registry: Registry, db: Database): void {
  const registers = [registry];
  // the scrape collects both gauges at once: one query serves both
  const read = oncePerScrape(() => withTimeout(SCRAPE_TIMEOUT_MS, outboxLag(db)));
  new Gauge({
    name: 'outbox_unpublished_events',
    help: 'ML events waiting for the relay',
    registers,
    async collect() {
      await readOrClear(this, async () => this.set((await read()).unpublished));
    },
  });
  new Gauge({
    name: 'outbox_lag_seconds',
    help: 'Age of the oldest ML event not yet published',
    registers,
    async collect() {
      await readOrClear(this, async () => this.set((await read()).lagSeconds));
    },
  });
}
