import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from '@sinclair/typebox';
import type { Sequelize } from 'sequelize-typescript';
import { POLL_AFTER_SECONDS } from '../checkout/checkout-routes';
import { BEARER, ErrorResponse, IdParams } from '../http/common-schemas';
import { decodeCursor, paginate } from '../http/cursor';
import { cancelOrder } from './cancel-order';
import { orderNotFound } from '../../shared/orders/change-order-status';
import { orderIdParam } from './order-id';
import { findOrder, listOrders, type OrderListFilter, type OrderRecord } from './order-repository';
import { OrderListQuery, OrderListResponse, OrderQuery, OrderResponse } from './order-schemas';


/** The caller's orders: poll one (optionally long-poll), list them, cancel one. */
export const orderRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.get(
    '/api/orders/:id',
    {
      schema: {
        tags: ['orders'],
        summary: 'An order with its items and status history; ?wait=N holds the answer while pending',
        security: BEARER,
        params: IdParams,
        querystring: OrderQuery,
        response: { 200: OrderResponse, 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const id = orderIdParam(request.params.id);
      const read = () => findOrder(app.db, id, { ownerId: request.user.id });
      const { wait } = request.query;
      let order: OrderRecord | null;
      if (wait > 0) {
        // watch before reading, so a change between the read and the wait is not missed
        const watch = app.watchOrder(id);
        try {
          order = await read();
          if (order?.status === 'pending') {
            await watch.changed(wait * 1000);
            order = await read();
          }
        } finally {
          watch.close();
        }
      } else {
        order = await read();
      }
      if (!order) throw orderNotFound();
      if (order.status === 'pending') reply.header('retry-after', String(POLL_AFTER_SECONDS));
      return toOrderJson(order);
    },
  );

  app.get(
    '/api/orders',
    {
      schema: {
        tags: ['orders'],
        summary: "The caller's orders, newest first",
        security: BEARER,
        querystring: OrderListQuery,
        response: { 200: OrderListResponse, 400: ErrorResponse, 401: ErrorResponse },
      },
    },
    async (request) => pageOfOrders(app.db, { userId: request.user.id }, request.query),
  );

  app.post(
    '/api/orders/:id/cancel',
    {
      schema: {
        tags: ['orders'],
        summary: 'Cancel a pending or placed order (a placed order gets its stock back)',
        security: BEARER,
        params: IdParams,
        response: { 200: OrderResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (request) => {
      const id = orderIdParam(request.params.id);
      await cancelOrder(app.db, id, `${request.user.role}:${request.user.id}`, request.user.id);
      return toOrderJson((await findOrder(app.db, id, { ownerId: request.user.id }))!);
    },
  );
};

/** One page of a list of orders (customer, seller or admin view) in the wire shape. */
export async function pageOfOrders(
  db: Sequelize,
  filter: Pick<OrderListFilter, 'userId' | 'sellerId'>,
  { limit, cursor, status }: Static<typeof OrderListQuery>,
) {
  const rows = await listOrders(db, { ...filter, status, limit: limit + 1, before: cursor ? decodeCursor(cursor) : undefined });
  const { page, nextCursor } = paginate(rows, limit);
  return { orders: page.map(toOrderSummaryJson), next_cursor: nextCursor };
}

/** The wire shape of one order, with its status history. */
export function toOrderJson(order: OrderRecord) {
  return { ...toOrderSummaryJson(order), status_history: order.history ?? [] };
}

/** The wire shape of an order in a list (no history). */
export function toOrderSummaryJson(order: OrderRecord) {
  return {
    order_id: order.id,
    status: order.status,
    failure_reason: order.failureReason,
    failure_details: (order.failureDetails as Record<string, unknown> | null) ?? null,
    contact: order.contact,
    address: order.address,
    total_price: order.totalPrice,
    items_count: order.itemsCount,
    items: order.items,
    created_at: order.createdAt.toISOString(),
    updated_at: order.updatedAt.toISOString(),
  };
}
