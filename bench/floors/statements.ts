import type { QueryConfig } from 'pg';
import type { Statement } from '../../shared/db/prepared';

/**
 * The service's own SQL statements, imported from its repositories, which the
 * floors run as node-postgres named (prepared) statements: the same SQL on
 * the same schema, with no HTTP, no framework and no ORM around it. Every run
 * also checks that each hot path's use case sends exactly these, in the same
 * order (bench/floors/statement-check.ts).
 */
export type { Statement };

export function prepared(statement: Statement, values: unknown[]): QueryConfig {
  return { name: statement.name, text: statement.text, values };
}

export { ADD_CART_LINE, LOCK_CART, LOCK_CARTS } from '../../shared/cart/cart-repository';
export { ACCEPT_CHECKOUTS } from '../../shared/checkout/checkout-repository';
export { FIND_ORDER } from '../../shared/orders/order-repository';
export { TRANSITION_ORDERS } from '../../shared/orders/order-status-repository';
export { FULFIL_ORDERS, LOCK_ORDERS_AND_CARTS } from '../../shared/placement/placement-repository';
export { LOCK_PRODUCTS_FOR_SALE } from '../../shared/products/product-repository';
