import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { orderNotFound } from '../../shared/orders/order-errors';
import { listOrderPage, moveOrderAsSeller } from '../../shared/orders/order-service';
import { BEARER, ErrorResponse, IdParams } from '../http/common-schemas';
import { idParam } from '../http/id-param';
import { OrderListQuery, OrderListResponse, OrderResponse } from '../orders/order-schemas';
import { toOrderJson, toOrderListJson } from '../orders/order-views';

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
    async (request) => toOrderListJson(await listOrderPage(app.db, { sellerId: request.user.id }, request.query)),
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
        const orderId = idParam(request.params.id, orderNotFound);
        return toOrderJson(await moveOrderAsSeller(app.db, { orderId, to, sellerId: request.user.id }));
      },
    );
  }
};
