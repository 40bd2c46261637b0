import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { orderNotFound } from '../../shared/orders/order-errors';
import { listOrderPage, moveOrderAsAdmin } from '../../shared/orders/order-service';
import { BEARER, ErrorResponse, IdParams, StrictObject } from '../http/common-schemas';
import { idParam } from '../http/id-param';
import { OrderListQuery, OrderListResponse, OrderResponse, OrderStatusSchema } from '../orders/order-schemas';
import { toOrderJson, toOrderListJson } from '../orders/order-views';

/** Admins see every order and may make any move the state machine allows. */
export const adminOrderRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', app.requireRole('admin'));

  app.get(
    '/api/admin/orders',
    {
      schema: {
        tags: ['admin'],
        summary: 'All orders, newest first, optionally one status',
        security: BEARER,
        querystring: OrderListQuery,
        response: { 200: OrderListResponse, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (request) => toOrderListJson(await listOrderPage(app.db, {}, request.query)),
  );

  app.patch(
    '/api/admin/orders/:id',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Move an order (any allowed move; placed → cancelled gives stock back; pending → placed runs the placement itself)',
        security: BEARER,
        params: IdParams,
        body: StrictObject({ status: OrderStatusSchema }),
        response: {
          200: OrderResponse,
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
          409: ErrorResponse,
        },
      },
    },
    async (request) => {
      const orderId = idParam(request.params.id, orderNotFound);
      return toOrderJson(await moveOrderAsAdmin(app.db, { orderId, to: request.body.status, adminId: request.user.id }));
    },
  );
};
