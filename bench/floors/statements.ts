import type { QueryConfig } from 'pg';

/**
 * The service's own SQL statements, copied from its repositories (file and
 * constant named on each), which the floors run as node-postgres named
 * (prepared) statements: the same SQL on the same schema, with no HTTP, no
 * framework and no ORM around it.
 *
 * When a repository's statement changes, change its copy here: a floor
 * measures the statements the service issues, not other ones. Every run
 * checks this (bench/floors/statement-check.ts): it records what the
 * service's own use cases send and reports any difference.
 */
export interface Statement {
  name: string;
  text: string;
}

export function prepared(statement: Statement, values: unknown[]): QueryConfig {
  return { name: statement.name, text: statement.text, values };
}

/** shared/cart/cart-repository.ts LOCK_CART (lockCart) */
export const LOCK_CART: Statement = {
  name: 'cart_lock',
  text: 'SELECT pg_advisory_xact_lock($1, hashtext($2))',
};

/** shared/cart/cart-repository.ts ADD_CART_LINE (addCartLine) */
export const ADD_CART_LINE: Statement = {
  name: 'cart_add_line',
  text: `WITH pending AS (SELECT id FROM orders WHERE user_id = $1 AND status = 'pending'),
   product AS (SELECT id, name, price, stock, active FROM products WHERE id = $2),
   lines AS (SELECT count(*)::int AS n FROM cart_items WHERE user_id = $1),
   line AS (
     INSERT INTO cart_items (user_id, product_id, quantity)
     SELECT $1, p.id, $3 FROM product p WHERE p.active AND NOT EXISTS (SELECT 1 FROM pending)
     ON CONFLICT (user_id, product_id)
       DO UPDATE SET quantity = cart_items.quantity + EXCLUDED.quantity, updated_at = now()
     RETURNING id, quantity, (xmax = 0) AS created),
   event AS (
     INSERT INTO outbox_events (type, user_id, aggregate_id, data)
     SELECT 'cart.item_added', $1, $1, jsonb_build_object(
              'product_id', p.id, 'quantity', $3::int, 'line_quantity', l.quantity, 'unit_price', p.price::text)
       FROM line l, product p
      WHERE l.quantity <= p.stock AND (NOT l.created OR (SELECT n FROM lines) < $4))
   SELECT (SELECT id FROM pending) AS "pendingOrderId", (SELECT n FROM lines) AS "linesBefore",
          p.id AS "productId", p.name, p.price, p.stock, p.active,
          l.id AS "lineId", l.quantity, l.created
     FROM (SELECT 1) AS one LEFT JOIN product p ON true LEFT JOIN line l ON true`,
};

/** shared/checkout/checkout-repository.ts ACCEPT_CHECKOUT (acceptCheckout) */
export const ACCEPT_CHECKOUT: Statement = {
  name: 'checkout_accept',
  text: `WITH known_key AS (
     SELECT request_hash, order_id FROM idempotency_keys
      WHERE user_id = $2 AND key = $6 AND created_at > now() - make_interval(hours => $8)),
   pending AS (SELECT id FROM orders WHERE user_id = $2 AND status = 'pending'),
   cart AS (
     SELECT count(*) > 0 AS has_items, sum(c.quantity)::int AS items_count, sum(c.quantity * p.price) AS total_price
       FROM cart_items c JOIN products p ON p.id = c.product_id WHERE c.user_id = $2),
   new_order AS (
     INSERT INTO orders (id, user_id, status, contact, address, request_id)
     SELECT $1, $2, 'pending', $3, $4, $5 FROM cart
      WHERE cart.has_items AND NOT EXISTS (SELECT 1 FROM known_key) AND NOT EXISTS (SELECT 1 FROM pending)
     RETURNING id),
   history AS (
     INSERT INTO order_status_history (order_id, status, actor) SELECT id, 'pending', 'customer:' || $2 FROM new_order),
   requested AS (
     INSERT INTO outbox_events (type, user_id, aggregate_id, data)
     SELECT 'checkout.requested', $2, id::text, jsonb_build_object(
              'order_id', id, 'items_count', cart.items_count, 'total_price', cart.total_price::numeric(20,2)::text)
       FROM new_order, cart),
   remembered AS (
     -- a conflict here can only be an expired key (a live one stops the insert above): it is reused
     INSERT INTO idempotency_keys (user_id, key, request_hash, order_id)
     SELECT $2, $6, $7, id FROM new_order WHERE $6::text IS NOT NULL
     ON CONFLICT (user_id, key) DO UPDATE
       SET request_hash = EXCLUDED.request_hash, order_id = EXCLUDED.order_id, created_at = now())
   SELECT (SELECT request_hash FROM known_key) AS "keyHash", (SELECT order_id FROM known_key) AS "keyOrderId",
          (SELECT id FROM pending) AS "pendingOrderId", (SELECT has_items FROM cart) AS "hasItems",
          (SELECT id FROM new_order) AS "createdOrderId"`,
};

/** shared/placement/placement-repository.ts LOCK_ORDER_AND_CART (lockOrderAndCart) */
export const LOCK_ORDER_AND_CART: Statement = {
  name: 'placement_lock_order_and_cart',
  text: `WITH o AS (SELECT id, user_id, status FROM orders WHERE id = $1 FOR UPDATE)
   SELECT o.id, o.user_id AS "userId", o.status, c.id AS "lineId", c.product_id AS "productId", c.quantity
     FROM o LEFT JOIN LATERAL (
       SELECT id, product_id, quantity FROM cart_items
        WHERE user_id = o.user_id AND o.status = 'pending' ORDER BY product_id FOR UPDATE) c ON true`,
};

/** shared/products/product-repository.ts LOCK_PRODUCTS_FOR_SALE (lockProductsForSale) */
export const LOCK_PRODUCTS_FOR_SALE: Statement = {
  name: 'products_lock_for_sale',
  text: `SELECT id, name, price, stock, active, seller_id AS "sellerId" FROM products
    WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`,
};

/** shared/placement/placement-repository.ts FULFIL (fulfil) */
export const FULFIL: Statement = {
  name: 'placement_fulfil',
  text: `WITH taken AS (
     UPDATE products p SET stock = p.stock - v.quantity, updated_at = now()
       FROM unnest($2::uuid[], $6::int[]) AS v(id, quantity)
      WHERE p.id = v.id AND p.stock >= v.quantity
      RETURNING p.id),
   items AS (
     INSERT INTO order_items (order_id, product_id, seller_id, name, unit_price, quantity, line_total)
     SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::numeric[], $6::int[], $7::numeric[])),
   cleared AS (DELETE FROM cart_items WHERE id = ANY($8::uuid[]))
   SELECT count(*)::int AS taken FROM taken`,
};

/** shared/orders/order-status-repository.ts TRANSITION_ORDER (transitionOrder) */
export const TRANSITION_ORDER: Statement = {
  name: 'order_transition',
  text: `WITH previous AS (SELECT status FROM orders WHERE id = $1),
     moved AS (
       UPDATE orders SET status = $2, updated_at = now(),
              total_price = COALESCE($4, total_price), items_count = COALESCE($5, items_count),
              failure_reason = COALESCE($6, failure_reason), failure_details = COALESCE($7::jsonb, failure_details)
        WHERE id = $1 AND status = ANY($3::text[])
        RETURNING id, user_id, status, total_price, items_count, failure_reason, failure_details),
     history AS (
       INSERT INTO order_status_history (order_id, status, actor) SELECT id, status, $8 FROM moved),
     event AS (
       INSERT INTO outbox_events (type, user_id, aggregate_id, data)
       SELECT 'order.' || m.status, m.user_id, m.id::text, CASE m.status
         WHEN 'placed' THEN jsonb_build_object(
           'order_id', m.id, 'total_price', m.total_price::text, 'items_count', m.items_count,
           'items', (SELECT jsonb_agg(jsonb_build_object('product_id', i.product_id, 'quantity', i.quantity,
                                                         'unit_price', i.unit_price::text) ORDER BY i.product_id)
                       FROM order_items i WHERE i.order_id = m.id))
         WHEN 'failed' THEN jsonb_build_object(
           'order_id', m.id, 'failure_reason', m.failure_reason,
           'products', coalesce(m.failure_details -> 'products', '[]'::jsonb))
         WHEN 'cancelled' THEN jsonb_build_object(
           'order_id', m.id, 'previous_status', (SELECT status FROM previous),
           'total_price', m.total_price::text, 'items_count', m.items_count)
         ELSE jsonb_build_object('order_id', m.id)
       END FROM moved m)
     SELECT id FROM moved`,
};

/** shared/orders/order-repository.ts FIND_ORDER (findOrder as a customer reads: orderColumns() and HISTORY_COLUMN expanded) */
export const FIND_ORDER: Statement = {
  name: 'order_find',
  text: `SELECT o.id, o.user_id AS "userId", o.status, o.failure_reason AS "failureReason",
  o.failure_details AS "failureDetails", o.contact, o.address, o.total_price AS "totalPrice", o.items_count AS "itemsCount",
  o.created_at AS "createdAt", o.updated_at AS "updatedAt",
  (SELECT coalesce(json_agg(json_build_object('product_id', i.product_id, 'name', i.name,
            'unit_price', i.unit_price::text, 'quantity', i.quantity, 'line_total', i.line_total::text)
          ORDER BY i.name, i.product_id), '[]')
     FROM order_items i WHERE i.order_id = o.id ) AS items, (SELECT json_agg(json_build_object('status', h.status, 'at', to_char(h.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
          ORDER BY h.id)
     FROM order_status_history h WHERE h.order_id = o.id) AS history FROM orders o WHERE o.id = $1 AND ($2::text IS NULL OR o.user_id = $2)`,
};
