import type { MigrationFn } from '../migration';

export const up: MigrationFn = ({ context: sql }) =>
  sql(`
    CREATE TABLE cart_items (
      id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id     text NOT NULL,
      product_id  uuid NOT NULL REFERENCES products (id),
      quantity    integer NOT NULL CHECK (quantity BETWEEN 1 AND 99),
      created_at  timestamptz(3) NOT NULL DEFAULT now(),
      updated_at  timestamptz(3) NOT NULL DEFAULT now(),
      -- one line per product per user: re-adding merges into it (and serves lookups by user)
      CONSTRAINT cart_items_user_product_key UNIQUE (user_id, product_id)
    );
    CREATE INDEX cart_items_product_idx ON cart_items (product_id);
  `);

export const down: MigrationFn = ({ context: sql }) => sql('DROP TABLE cart_items');
