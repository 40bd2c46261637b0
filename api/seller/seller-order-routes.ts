import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { isUuid } from '../../shared/domain/ids';
import { changeOrderStatus, orderNotFound } from '../../shared/orders/change-order-status';
import { ErrorResponse, IdParams } from '../http/common-schemas';
import { findOrder } from '../orders/order-repository';
import { pageOfOrders, toOrderJson } from '../orders/order-routes';
import { OrderListQuery, OrderListResponse, OrderResponse } from '../orders/order-schemas';

const security = [{ bearerAuth: [] }];
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
        security,
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
          security,
          params: IdParams,
          response: { 200: OrderResponse, ...errors },
        },
      },
      async (request) => {
        const id = request.params.id.toLowerCase();
        if (!isUuid(id)) throw orderNotFound();
        const sellerId = request.user.id;
        await changeOrderStatus(app.db, { orderId: id, to, actor: `seller:${sellerId}`, sellerId });
        return toOrderJson((await findOrder(app.db, id, { sellerId }))!);
      },
    );
  }
};
