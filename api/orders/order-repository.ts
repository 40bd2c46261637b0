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

const ORDER_COLUMNS = `o.id, o.user_id AS "userId", o.status, o.failure_reason AS "failureReason",
  o.failure_details AS "failureDetails", o.contact, o.address, o.total_price AS "totalPrice",
  o.items_count AS "itemsCount", o.created_at AS "createdAt", o.updated_at AS "updatedAt",
  (SELECT coalesce(json_agg(json_build_object('product_id', i.product_id, 'name', i.name,
            'unit_price', i.unit_price::text, 'quantity', i.quantity, 'line_total', i.line_total::text)
          ORDER BY i.name, i.product_id), '[]')
     FROM order_items i WHERE i.order_id = o.id) AS items`;

const HISTORY_COLUMN = `(SELECT json_agg(json_build_object('status', h.status, 'at', to_char(h.at AT TIME ZONE 'UTC', ${ISO}))
          ORDER BY h.id)
     FROM order_status_history h WHERE h.order_id = o.id) AS history`;

/** One order with items and status history; `ownerId` limits it to that user's orders (others: null). */
export async function findOrder(db: Sequelize, orderId: string, ownerId?: string): Promise<OrderRecord | null> {
  const [order] = await db.query<OrderRecord>(
    `SELECT ${ORDER_COLUMNS}, ${HISTORY_COLUMN} FROM orders o
      WHERE o.id = $1 AND ($2::text IS NULL OR o.user_id = $2)`,
    { type: QueryTypes.SELECT, bind: [orderId, ownerId ?? null] },
  );
  return order ?? null;
}

export interface OrderListFilter {
  userId?: string;
  status?: OrderStatus;
  limit: number;
  before?: Cursor;
}

/** Orders newest first (keyset on created_at DESC, id DESC), optionally one user's and one status. */
export function listOrders(db: Sequelize, { userId, status, limit, before }: OrderListFilter): Promise<OrderRecord[]> {
  return db.query<OrderRecord>(
    `SELECT ${ORDER_COLUMNS} FROM orders o
      WHERE ($1::text IS NULL OR o.user_id = $1)
        AND ($2::text IS NULL OR o.status = $2)
        AND ($3::timestamptz IS NULL OR (o.created_at, o.id) < ($3, $4::uuid))
      ORDER BY o.created_at DESC, o.id DESC LIMIT $5`,
    {
      type: QueryTypes.SELECT,
      bind: [userId ?? null, status ?? null, before?.createdAt ?? null, before?.id ?? null, limit],
    },
  );
}
