import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { changeOrderStatus, invalidTransition, orderNotFound } from '../../shared/orders/change-order-status';
import { placeOrder } from '../../worker/checkout/place-order';
import { BEARER, ErrorResponse, IdParams, StrictObject } from '../http/common-schemas';
import { orderIdParam } from '../orders/order-id';
import { findOrder } from '../orders/order-repository';
import { pageOfOrders, toOrderJson } from '../orders/order-routes';
import { OrderListQuery, OrderListResponse, OrderResponse, OrderStatusSchema } from '../orders/order-schemas';


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
    async (request) => pageOfOrders(app.db, {}, request.query),
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
      const id = orderIdParam(request.params.id);
      const to = request.body.status;
      const actor = `admin:${request.user.id}`;
      if (to === 'placed') {
        // placing means taking stock and writing items: the worker's transaction does it, whoever asks
        const outcome = await placeOrder(app.db, id, actor);
        if (outcome.status === 'missing') throw orderNotFound();
        if (outcome.status === 'skipped') throw invalidTransition(outcome.current, to);
      } else {
        await changeOrderStatus(app.db, { orderId: id, to, actor });
      }
      return toOrderJson((await findOrder(app.db, id))!);
    },
  );
};
