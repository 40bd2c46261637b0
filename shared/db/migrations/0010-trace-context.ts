import type { MigrationFn } from '../migration';

/**
 * An order keeps the W3C `traceparent` of the checkout that made it (null
 * when tracing is off), and so does each of its outbox events: the reconciler
 * re-enqueueing an order continues the original trace, and the relay's
 * publish (and the ML stream's entry) joins it.
 */
export const up: MigrationFn = ({ context: sql }) =>
  sql(`
    ALTER TABLE orders ADD COLUMN traceparent text;
    ALTER TABLE outbox_events ADD COLUMN traceparent text;
  `);

export const down: MigrationFn = ({ context: sql }) =>
  sql(`
    ALTER TABLE outbox_events DROP COLUMN traceparent;
    ALTER TABLE orders DROP COLUMN traceparent;
  `);
