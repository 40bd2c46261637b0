import type { MigrationFn } from '../migration';

export const up: MigrationFn = ({ context: sql }) =>
  sql(`
    CREATE TABLE orders (
      id              uuid PRIMARY KEY,
      user_id         text NOT NULL,
      status          text NOT NULL
                      CHECK (status IN ('pending', 'placed', 'failed', 'cancelled', 'shipped', 'delivered')),
      contact         text NOT NULL,
      address         text NOT NULL,
      -- wider than a price: 99 units of the dearest product, many lines
      total_price     numeric(20,2) CHECK (total_price >= 0),
      items_count     integer CHECK (items_count >= 0),
      failure_reason  text,
      failure_details jsonb,
      request_id      text,
      created_at      timestamptz(3) NOT NULL DEFAULT now(),
      updated_at      timestamptz(3) NOT NULL DEFAULT now()
    );
    -- a user's cart turns into at most one order at a time
    CREATE UNIQUE INDEX orders_one_pending_per_user ON orders (user_id) WHERE status = 'pending';
    -- "my orders", newest first, keyset-paginated
    CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC, id DESC);
    -- the reconciler's scan
    CREATE INDEX orders_pending_created_idx ON orders (created_at) WHERE status = 'pending';
    CREATE INDEX orders_status_created_idx ON orders (status, created_at DESC, id DESC);

    -- a snapshot of each line as it was sold
    CREATE TABLE order_items (
      order_id    uuid NOT NULL REFERENCES orders (id),
      product_id  uuid NOT NULL REFERENCES products (id),
      -- who sold it, as it was at placement (sellers see and ship their own lines)
      seller_id   text,
      name        text NOT NULL,
      unit_price  numeric(12,2) NOT NULL,
      quantity    integer NOT NULL CHECK (quantity > 0),
      line_total  numeric(20,2) NOT NULL,
      PRIMARY KEY (order_id, product_id)
    );
    CREATE INDEX order_items_product_idx ON order_items (product_id);
    CREATE INDEX order_items_seller_idx ON order_items (seller_id, order_id) WHERE seller_id IS NOT NULL;

    CREATE TABLE order_status_history (
      id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      order_id  uuid NOT NULL REFERENCES orders (id),
      status    text NOT NULL,
      actor     text NOT NULL,
      at        timestamptz(3) NOT NULL DEFAULT clock_timestamp()
    );
    CREATE INDEX order_status_history_order_idx ON order_status_history (order_id, id);

    -- Idempotency-Key records: one per (user, key); the order id is chosen before the order row exists
    CREATE TABLE idempotency_keys (
      user_id       text NOT NULL,
      key           text NOT NULL,
      request_hash  text NOT NULL,
      order_id      uuid NOT NULL REFERENCES orders (id) DEFERRABLE INITIALLY DEFERRED,
      created_at    timestamptz(3) NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, key)
    );
    CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

    -- long-poll wake-up: every status change is announced on commit
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

export const down: MigrationFn = ({ context: sql }) =>
  sql(`
    DROP TABLE idempotency_keys, order_status_history, order_items, orders;
    DROP FUNCTION notify_order_status();
  `);
