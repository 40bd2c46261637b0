import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { orderNotFound } from '../../shared/orders/order-errors';
import { listOrderPage, moveOrderAsSeller } from '../../shared/orders/order-service';
import { Type } from '@sinclair/typebox';
import { BEARER, IdParams } from '../http/common-schemas';
import { idParam } from '../http/id-param';
import { AUTHENTICATED, errorResponses } from '../http/responses';
import { INVALID_TRANSITION, OrderListQuery, OrderPageSchema, OrderSchema } from '../orders/order-schemas';
import { toOrderJson, toOrderListJson } from '../orders/order-views';

const SELLERS_ONLY = 'FORBIDDEN: sellers only';

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
      preHandler: app.limits.reads,
      schema: {
        operationId: 'listSellerOrders',
        tags: ['seller'],
        summary: "Orders with the seller's products (only the seller's lines), newest first",
        security: BEARER,
        querystring: OrderListQuery,
        response: {
          200: Type.Ref(OrderPageSchema, { description: "One page; each order shows only the seller's lines, total and count" }),
          ...errorResponses({ 400: true, ...AUTHENTICATED, 403: SELLERS_ONLY }),
        },
      },
    },
    async (request) => toOrderListJson(await listOrderPage(app.db, { sellerId: request.user.id }, request.query)),
  );

  for (const [action, to, operationId] of [
    ['ship', 'shipped', 'shipOrder'],
    ['deliver', 'delivered', 'deliverOrder'],
  ] as const) {
    app.post(
      `/api/seller/orders/:id/${action}`,
      {
        preHandler: app.limits.writes,
        schema: {
          operationId,
          tags: ['seller'],
          summary: `Mark an order ${to} (every line must be the seller's, else 403)`,
          security: BEARER,
          params: IdParams,
          response: {
            200: Type.Ref(OrderSchema, { description: `The order, ${to} (the seller's lines)` }),
            ...errorResponses({
              400: true,
              ...AUTHENTICATED,
              403: `${SELLERS_ONLY}; or the order has lines of other sellers (an admin must move it)`,
              404: 'ORDER_NOT_FOUND: no such order with a line of yours',
              409: INVALID_TRANSITION,
            }),
          },
        },
      },
      async (request) => {
        const orderId = idParam(request.params.id, orderNotFound);
        const order = await moveOrderAsSeller(app.db, { orderId, to, sellerId: request.user.id });
        void app.announceStatusChanges([orderId]);
        return toOrderJson(order);
      },
    );
  }
};
