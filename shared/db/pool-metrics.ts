import { Gauge, type Registry } from 'prom-client';
import type { Database } from './database';

/** What Sequelize's pool (sequelize-pool) counts. */
interface PoolCounts {
  using: number;
  available: number;
  waiting: number;
}

/** The process's database pool: connections in use and idle, and requests waiting for one (a pool too small, or a slow database). */
export function registerPoolMetrics(registry: Registry, db: Database): void {
  const pool = () => (db.connectionManager as unknown as { pool: PoolCounts }).pool;
  const registers = [registry];
  new Gauge({
    name: 'db_pool_connections',
    help: "Connections of this process's database pool, by state (in_use, idle)",
    labelNames: ['state'] as const,
    registers,
    collect() {
      this.set({ state: 'in_use' }, pool().using);
      this.set({ state: 'idle' }, pool().available);
    },
  });
  new Gauge({
    name: 'db_pool_waiting_requests',
    help: "Requests waiting for a connection of this process's database pool",
    registers,
    collect() {
      this.set(pool().waiting);
    },
  });
}
