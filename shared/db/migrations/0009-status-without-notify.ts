import type { MigrationFn } from '../migration';

/**
 * Long-polls are woken through Redis pub/sub, announced after the commit by
 * whoever changed the order: the NOTIFY per status change goes. A transaction
 * that notified took a database-wide lock at commit (to keep notifications in
 * commit order), serialising every placement's commit with every other's —
 * the ceiling of a fleet of workers — and LISTEN cannot work through a
 * transaction-mode pooler.
 */
export const up: MigrationFn = ({ context: sql }) =>
  sql(`
    DROP TRIGGER orders_status_notify ON orders;
    DROP FUNCTION notify_order_status();
  `);

export const down: MigrationFn = ({ context: sql }) =>
  sql(`
    CREATE FUNCTION notify_order_status() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('order_status', NEW.id::text);
      RETURN NULL;
    END $$;
    CREATE TRIGGER orders_status_notify
      AFTER UPDATE OF status ON orders
      FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
      EXECUTE FUNCTION notify_order_status();
  `);
