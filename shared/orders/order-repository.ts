import { QueryTypes } from 'sequelize';
import type { Database } from '../db/database';
import { rows, statement } from '../db/prepared';
import type { Tx } from '../db/transaction';
import type { FailureReason, OrderStatus } from '../domain/order-status';
import type { Cursor } from '../pagination/cursor';

/** One line of an order: the product's name and price as they were when it was placed. */
export interface OrderItem {
  productId: string;
  name: string;
  unitPrice: string;
  quantity: number;
  lineTotal: string;
}

/** An order as clients read it; items and history are aggregated by PostgreSQL in the same query. */
export interface OrderRecord {
  id: string;
  userId: string;
  status: OrderStatus;
  failureReason: FailureReason | null;
  failureDetails: unknown;
  contact: string;
  address: string;
  totalPrice: string | null;
  itemsCount: number | null;
  items: OrderItem[];
  /** Present on single-order reads, absent in lists. */
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
  (SELECT coalesce(json_agg(json_build_object('productId', i.product_id, 'name', i.name,
            'unitPrice', i.unit_price::text, 'quantity', i.quantity, 'lineTotal', i.line_total::text)
          ORDER BY i.name, i.product_id), '[]')
     FROM order_items i WHERE i.order_id = o.id ${mine}) AS items`;
}

const HISTORY_COLUMN = `(SELECT json_agg(json_build_object('status', h.status, 'at', to_char(h.at AT TIME ZONE 'UTC', ${ISO}))
          ORDER BY h.id)
     FROM order_status_history h WHERE h.order_id = o.id) AS history`;

/** Exported for the bench's floor, which runs the very same statement. */
export const FIND_ORDER = statement(
  'order_find',
  `SELECT ${orderColumns()}, ${HISTORY_COLUMN} FROM orders o WHERE o.id = $1 AND ($2::text IS NULL OR o.user_id = $2)`,
);
/** Many orders, each of its owner's: `k.i` is the position of its (id, owner) pair in the arrays. */
export const FIND_OWN_ORDERS = statement(
  'order_find_own_many',
  `SELECT k.i AS "keyIndex", ${orderColumns()}, ${HISTORY_COLUMN}
     FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS k(id, owner, i)
     JOIN orders o ON o.id = k.id AND o.user_id = k.owner`,
);
const FIND_SELLER_ORDER = statement(
  'order_find_seller',
  `SELECT ${orderColumns('$2')}, ${HISTORY_COLUMN} FROM orders o
    WHERE o.id = $1 AND EXISTS (SELECT 1 FROM order_items s WHERE s.order_id = o.id AND s.seller_id = $2)`,
);

/**
 * One order with items and status history. `ownerId` limits it to that user's
 * orders, `sellerId` to orders with that seller's lines (showing only those);
 * anything else is null. A prepared statement: order polls are the hottest read.
 */
export async function findOrder(db: Database, orderId: string, { ownerId, sellerId }: OrderViewer = {}): Promise<OrderRecord | null> {
  const [order] =
    sellerId === undefined
      ? await rows<OrderRecord>(db, FIND_ORDER, [orderId, ownerId ?? null])
      : await rows<OrderRecord>(db, FIND_SELLER_ORDER, [orderId, sellerId]);
  return order ?? null;
}

/** Orders by (id, owner) pair, in the order asked: null where the order does not exist or is someone else's. */
export async function findOwnOrders(db: Database, keys: Array<{ orderId: string; ownerId: string }>): Promise<Array<OrderRecord | null>> {
  // a poll alone (an idle API) takes the single-order statement, whose plan is a plain primary-key lookup
  if (keys.length === 1) return [await findOrder(db, keys[0]!.orderId, { ownerId: keys[0]!.ownerId })];
  const found = await rows<OrderRecord & { keyIndex: string }>(db, FIND_OWN_ORDERS, [
    keys.map((key) => key.orderId),
    keys.map((key) => key.ownerId),
  ]);
  const byPosition: Array<OrderRecord | null> = keys.map(() => null);
  for (const { keyIndex, ...order } of found) byPosition[Number(keyIndex) - 1] = order;
  return byPosition;
}

/** Who reads: a customer sees their own orders only, a seller only orders (and lines) of theirs, nobody else is limited. */
export interface OrderViewer {
  ownerId?: string;
  sellerId?: string;
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
export function listOrders(db: Database, { userId, sellerId, status, limit, before }: OrderListFilter): Promise<OrderRecord[]> {
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

/** The order as a status change sees it, locked for the rest of the transaction (a second worker on it waits here). */
export interface LockedOrder {
  id: string;
  userId: string;
  status: OrderStatus;
  /** Set once placed; null while pending or failed. */
  totalPrice: string | null;
  itemsCount: number | null;
}

/** Locks the order row; null when it does not exist (or, with `ownerId`, is not that user's). */
export async function lockOrder(tx: Tx, orderId: string, ownerId?: string): Promise<LockedOrder | null> {
  const [order] = await rows<LockedOrder>(tx, LOCK_ORDER, [orderId, ownerId ?? null]);
  return order ?? null;
}
const LOCK_ORDER = statement(
  'order_lock',
  `SELECT id, user_id AS "userId", status, total_price::text AS "totalPrice", items_count AS "itemsCount"
     FROM orders WHERE id = $1 AND ($2::text IS NULL OR user_id = $2) FOR UPDATE`,
);


/** A pending order that has waited longer than it should. */
export interface StaleOrder {
  id: string;
  userId: string;
  requestId: string | null;
  /** The checkout's W3C traceparent (tracing was on), or null. */
  traceparent: string | null;
}

/** Pending orders created more than `$1` milliseconds ago: the one definition of "stale". */
const STALE_PENDING = `status = 'pending' AND created_at < now() - make_interval(secs => $1 / 1000.0)`;

/**
 * Locks pending orders older than `olderThanMs`, oldest first, for the rest
 * of the transaction. Orders locked by someone else — a worker placing them,
 * another reconciler failing them — are skipped: they are being taken care of.
 */
export function lockStalePendingOrders({ db, transaction }: Tx, olderThanMs: number, limit: number): Promise<StaleOrder[]> {
  return db.query<StaleOrder>(
    `SELECT id, user_id AS "userId", request_id AS "requestId", traceparent FROM orders
      WHERE ${STALE_PENDING}
      ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    { type: QueryTypes.SELECT, bind: [olderThanMs, limit], transaction },
  );
}

/**
 * Claims pending orders older than `olderThanMs` for `leaseMs`, oldest first,
 * in one short statement: while the lease runs no other claim takes them, and
 * no row lock is held after the statement. Orders locked right now (a worker
 * placing them) are skipped.
 */
export function claimStalePendingOrders(db: Database, olderThanMs: number, leaseMs: number, limit: number): Promise<StaleOrder[]> {
  return db.query<StaleOrder>(
    `UPDATE orders o SET reconcile_lease_until = now() + make_interval(secs => $3 / 1000.0)
      WHERE o.id IN (SELECT id FROM orders
                      WHERE ${STALE_PENDING} AND (reconcile_lease_until IS NULL OR reconcile_lease_until < now())
                      ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
      RETURNING o.id, o.user_id AS "userId", o.request_id AS "requestId", o.traceparent`,
    { type: QueryTypes.SELECT, bind: [olderThanMs, limit, leaseMs] },
  );
}

/** Of these orders, the ones no longer pending (long-poll waiters re-check after missing notifications). */
/** An order's status now (null: no such order), read on the pool. */
export async function orderStatusOf(db: Database, orderId: string): Promise<OrderStatus | null> {
  const [row] = await db.query<{ status: OrderStatus }>('SELECT status FROM orders WHERE id = $1', {
    type: QueryTypes.SELECT,
    bind: [orderId],
  });
  return row?.status ?? null;
}

/** The statuses of the orders that exist among `orderIds`. */
export async function orderStatusesOf(db: Database, orderIds: string[]): Promise<Map<string, OrderStatus>> {
  const found = await db.query<{ id: string; status: OrderStatus }>('SELECT id, status FROM orders WHERE id = ANY($1::uuid[])', {
    type: QueryTypes.SELECT,
    bind: [orderIds],
  });
  return new Map(found.map((row) => [row.id, row.status]));
}

export async function findSettledOrderIds(db: Database, orderIds: string[]): Promise<string[]> {
  const rows = await db.query<{ id: string }>(`SELECT id FROM orders WHERE id = ANY($1::uuid[]) AND status <> 'pending'`, {
    type: QueryTypes.SELECT,
    bind: [orderIds],
  });
  return rows.map((row) => row.id);
}

/** Orders pending now and the age of the oldest (0: none), read at scrape time; the pending index makes both cheap. */
export async function pendingOrderFigures(db: Database): Promise<{ pending: number; oldestAgeSeconds: number }> {
  const [row] = await db.query<{ pending: number; oldestAgeSeconds: number }>(
    `SELECT count(*)::int AS pending, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS "oldestAgeSeconds"
       FROM orders WHERE status = 'pending'`,
    { type: QueryTypes.SELECT },
  );
  return row ?? { pending: 0, oldestAgeSeconds: 0 };
}
