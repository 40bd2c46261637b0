import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { changeOrderStatus } from '../../shared/orders/change-order-status';
import { BEARER, ErrorResponse, IdParams } from '../http/common-schemas';
import { orderIdParam } from '../orders/order-id';
import { findOrder } from '../orders/order-repository';
import { pageOfOrders, toOrderJson } from '../orders/order-routes';
import { OrderListQuery, OrderListResponse, OrderResponse } from '../orders/order-schemas';

const errors = { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

/**
 * A seller's view: the orders that contain their products, with only their
 * lines (total and count of those lines); ship and deliver orders that are
 * entirely theirs. A seller's token `sub` is its seller id.
 */
export const sellerOrderRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', app.requireRole('seller'));

  app.get(
    '/api/seller/orders',
    {
      schema: {
        tags: ['seller'],
        summary: "Orders with the seller's products (only the seller's lines), newest first",
        security: BEARER,
        querystring: OrderListQuery,
        response: { 200: OrderListResponse, 400: ErrorResponse, ...errors },
      },
    },
    async (request) => pageOfOrders(app.db, { sellerId: request.user.id }, request.query),
  );

  for (const [action, to] of [
    ['ship', 'shipped'],
    ['deliver', 'delivered'],
  ] as const) {
    app.post(
      `/api/seller/orders/:id/${action}`,
      {
        schema: {
          tags: ['seller'],
          summary: `Mark an order ${to} (every line must be the seller's, else 403)`,
          security: BEARER,
          params: IdParams,
          response: { 200: OrderResponse, ...errors },
        },
      },
      async (request) => {
        const id = orderIdParam(request.params.id);
        const sellerId = request.user.id;
        await changeOrderStatus(app.db, { orderId: id, to, actor: `seller:${sellerId}`, sellerId });
        return toOrderJson((await findOrder(app.db, id, { sellerId }))!);
      },
    );
  }
};
