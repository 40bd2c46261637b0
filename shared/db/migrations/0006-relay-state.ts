import type { MigrationFn } from '../migration';

export const up: MigrationFn = ({ context: sql }) =>
  sql(`
    -- what the leading relay knows about each stream it publishes to
    CREATE TABLE relay_state (
      stream          text PRIMARY KEY,
      -- the marker also written into Redis (<stream>:epoch): a missing or different one there means Redis lost data
      epoch           uuid NOT NULL,
      -- outbox rows up to this id are confirmed durable in Redis (WAITAOF / WAIT); 0: none is known to be
      safe_outbox_id  bigint NOT NULL DEFAULT 0,
      changed_at      timestamptz(3) NOT NULL DEFAULT now()
    );
  `);

export const down: MigrationFn = ({ context: sql }) => sql('DROP TABLE relay_state');
