import type { MigrationFn } from '../migration';

/**
 * The relay numbers its batches: each published row records its batch, and
 * the marker beside the stream in Redis names the last batch written there
 * (in the same script as the batch's entries). A Redis that comes back with
 * an older marker (a failover to a replica that lagged) thereby says exactly
 * which rows it lost; safe points by outbox id go (ids do not commit in order).
 */
export const up: MigrationFn = ({ context: sql }) =>
  sql(`
    ALTER TABLE outbox_events ADD COLUMN published_batch bigint;
    ALTER TABLE relay_state ADD COLUMN batch bigint NOT NULL DEFAULT 0;
    ALTER TABLE relay_state DROP COLUMN safe_outbox_id;
    COMMENT ON COLUMN relay_state.epoch IS 'with batch, the marker also written beside the stream in Redis; a missing one there means Redis lost the stream';
    COMMENT ON COLUMN relay_state.batch IS 'the last batch marked published; outbox_events.published_batch names each row''s';
  `);

export const down: MigrationFn = ({ context: sql }) =>
  sql(`
    ALTER TABLE relay_state ADD COLUMN safe_outbox_id bigint NOT NULL DEFAULT 0;
    ALTER TABLE relay_state DROP COLUMN batch;
    ALTER TABLE outbox_events DROP COLUMN published_batch;
  `);
