import type { MigrationFn } from '../migration';

export const up: MigrationFn = ({ context: sql }) =>
  sql(`
    -- a reconciler claims a stale pending order for a short lease, then talks to Redis holding no row lock
    ALTER TABLE orders ADD COLUMN reconcile_lease_until timestamptz(3);
  `);

export const down: MigrationFn = ({ context: sql }) => sql('ALTER TABLE orders DROP COLUMN reconcile_lease_until');
