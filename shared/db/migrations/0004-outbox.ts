import type { MigrationFn } from '../migration';

export const up: MigrationFn = ({ context: sql }) =>
  sql(`
    -- ML events, written in the same transaction as the change they describe; the relay publishes them
    CREATE TABLE outbox_events (
      id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      event_id      uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
      type          text NOT NULL,
      version       integer NOT NULL DEFAULT 1,
      -- the order (or the user, for cart events) whose events must keep their order
      aggregate_id  text NOT NULL,
      user_id       text NOT NULL,
      data          jsonb NOT NULL,
      occurred_at   timestamptz(3) NOT NULL DEFAULT now(),
      published_at  timestamptz(3)
    );
    CREATE INDEX outbox_events_unpublished_idx ON outbox_events (id) WHERE published_at IS NULL;
    CREATE INDEX outbox_events_published_idx ON outbox_events (published_at) WHERE published_at IS NOT NULL;
    CREATE INDEX outbox_events_occurred_idx ON outbox_events (occurred_at, id);

    -- wake the relay at commit instead of letting it poll
    CREATE FUNCTION notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('outbox', '');
      RETURN NULL;
    END $$;
    CREATE TRIGGER outbox_events_notify AFTER INSERT ON outbox_events
      FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox();
  `);

export const down: MigrationFn = ({ context: sql }) =>
  sql(`
    DROP TABLE outbox_events;
    DROP FUNCTION notify_outbox();
  `);
