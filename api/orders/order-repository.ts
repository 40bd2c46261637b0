import { QueryTypes } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import type { OrderStatus } from '../../shared/domain/order-status';
import type { Cursor } from '../http/cursor';

export interface OrderItemView {
  product_id: string;
  name: string;
  unit_price: string;
  quantity: number;
  line_total: string;
}

/** An order as clients read it; items and history are aggregated by PostgreSQL in the same query. */
export interface OrderRecord {
  id: string;
  userId: string;
  status: OrderStatus;
  failureReason: string | null;
  failureDetails: unknown;
  contact: string;
  address: string;
  totalPrice: string | null;
  itemsCount: number | null;
  items: OrderItemView[];
  history?: Array<{ status: OrderStatus; at: string }>;
  createdAt: Date;
  updatedAt: Date;
}

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/**
 * The order's columns, items aggregated in the same query. For a seller
 * (`$seller` names the bind parameter) only their lines, with total and count
 * of those lines.
 */
function orderColumns(seller?: string): string {
  const mine = seller ? `AND i.seller_id = ${seller}` : '';
  const totals = seller
    ? `(SELECT sum(i.line_total)::numeric(20,2)::text FROM order_items i WHERE i.order_id = o.id ${mine}) AS "totalPrice",
       (SELECT sum(i.quantity)::int FROM order_items i WHERE i.order_id = o.id ${mine}) AS "itemsCount"`
    : `o.total_price AS "totalPrice", o.items_count AS "itemsCount"`;
  return `o.id, o.user_id AS "userId", o.status, o.failure_reason AS "failureReason",
  o.failure_details AS "failureDetails", o.contact, o.address, ${totals},
  o.created_at AS "createdAt", o.updated_at AS "updatedAt",
  (SELECT coalesce(json_agg(json_build_object('product_id', i.product_id, 'name', i.name,
            'unit_price', i.unit_price::text, 'quantity', i.quantity, 'line_total', i.line_total::text)
          ORDER BY i.name, i.product_id), '[]')
     FROM order_items i WHERE i.order_id = o.id ${mine}) AS items`;
}

const HISTORY_COLUMN = `(SELECT json_agg(json_build_object('status', h.status, 'at', to_char(h.at AT TIME ZONE 'UTC', ${ISO}))
          ORDER BY h.id)
     FROM order_status_history h WHERE h.order_id = o.id) AS history`;

/**
 * One order with items and status history. `ownerId` limits it to that user's
 * orders, `sellerId` to orders with that seller's lines (showing only those);
 * anything else is null.
 */
export async function findOrder(
  db: Sequelize,
  orderId: string,
  { ownerId, sellerId }: { ownerId?: string; sellerId?: string } = {},
): Promise<OrderRecord | null> {
  const [order] = await db.query<OrderRecord>(
    `SELECT ${orderColumns(sellerId === undefined ? undefined : '$3')}, ${HISTORY_COLUMN} FROM orders o
      WHERE o.id = $1 AND ($2::text IS NULL OR o.user_id = $2)
        AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM order_items s WHERE s.order_id = o.id AND s.seller_id = $3))`,
    { type: QueryTypes.SELECT, bind: [orderId, ownerId ?? null, sellerId ?? null] },
  );
  return order ?? null;
}

export interface OrderListFilter {
  userId?: string;
  /** Orders with a line of this seller, showing only those lines. */
  sellerId?: string;
  status?: OrderStatus;
  limit: number;
  before?: Cursor;
}

/** Orders newest first (keyset on created_at DESC, id DESC), optionally one user's or one seller's, one status. */
export function listOrders(db: Sequelize, { userId, sellerId, status, limit, before }: OrderListFilter): Promise<OrderRecord[]> {
  return db.query<OrderRecord>(
    `SELECT ${orderColumns(sellerId === undefined ? undefined : '$6')} FROM orders o
      WHERE ($1::text IS NULL OR o.user_id = $1)
        AND ($2::text IS NULL OR o.status = $2)
        AND ($3::timestamptz IS NULL OR (o.created_at, o.id) < ($3, $4::uuid))
        AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM order_items s WHERE s.order_id = o.id AND s.seller_id = $6))
      ORDER BY o.created_at DESC, o.id DESC LIMIT $5`,
    {
      type: QueryTypes.SELECT,
      bind: [userId ?? null, status ?? null, before?.createdAt ?? null, before?.id ?? null, limit, sellerId ?? null],
    },
  );
}
