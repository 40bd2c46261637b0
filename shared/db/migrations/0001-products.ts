import type { MigrationFn } from '../migration';

export const up: MigrationFn = ({ context: sql }) =>
  sql(`
    CREATE TABLE products (
      id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
      price       numeric(12,2) NOT NULL CHECK (price > 0),
      stock       integer NOT NULL CHECK (stock >= 0),
      seller_id   text,
      active      boolean NOT NULL DEFAULT true,
      created_at  timestamptz(3) NOT NULL DEFAULT now(),
      updated_at  timestamptz(3) NOT NULL DEFAULT now()
    );
    -- the public catalogue: active products, keyset-paginated by (created_at, id)
    CREATE INDEX products_active_created_idx ON products (created_at, id) WHERE active;
    CREATE INDEX products_seller_idx ON products (seller_id) WHERE seller_id IS NOT NULL;
  `);

export const down: MigrationFn = ({ context: sql }) => sql('DROP TABLE products');
