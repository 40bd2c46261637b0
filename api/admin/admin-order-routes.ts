import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { orderNotFound } from '../../shared/orders/order-errors';
import { listOrderPage, moveOrderAsAdmin } from '../../shared/orders/order-service';
import { Type } from '@sinclair/typebox';
import { BEARER, IdParams } from '../http/common-schemas';
import { idParam } from '../http/id-param';
import { AUTHENTICATED, errorResponses, WITH_BODY } from '../http/responses';
import {
  INVALID_TRANSITION,
  ORDER_NOT_FOUND,
  OrderListQuery,
  OrderPageSchema,
  OrderSchema,
  OrderStatusChangeSchema,
} from '../orders/order-schemas';

import { toOrderJson, toOrderListJson } from '../orders/order-views';

const ADMINS_ONLY = 'FORBIDDEN: admins only';

/** Admins see every order and may make any move the state machine allows. */
export const adminOrderRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', app.requireRole('admin'));

  app.get(
    '/api/admin/orders',
    {
      preHandler: app.limits.reads,
      schema: {
        operationId: 'listAdminOrders',
        tags: ['admin'],
        summary: 'All orders, newest first, optionally one status',
        security: BEARER,
        querystring: OrderListQuery,
        response: {
          200: Type.Ref(OrderPageSchema, { description: 'One page of every order' }),
          ...errorResponses({ 400: true, ...AUTHENTICATED, 403: ADMINS_ONLY }),
        },
      },
    },
    async (request) => toOrderListJson(await listOrderPage(app.db, {}, request.query)),
  );

  app.patch(
    '/api/admin/orders/:id',
    {
      preHandler: app.limits.writes,
      schema: {
        tags: ['admin'],
        summary:
          'Move an order (any allowed move; placed → cancelled gives stock back; pending → placed runs the placement itself)',
        operationId: 'updateAdminOrder',
        security: BEARER,
        params: IdParams,
        body: Type.Ref(OrderStatusChangeSchema),
        response: {
          200: Type.Ref(OrderSchema, { description: 'The order after the move (a placement that failed shows failed)' }),
          ...errorResponses({ ...WITH_BODY, ...AUTHENTICATED, 403: ADMINS_ONLY, 404: ORDER_NOT_FOUND, 409: INVALID_TRANSITION }),
        },
      },
    },
    async (request) => {
      const orderId = idParam(request.params.id, orderNotFound);
      const order = await moveOrderAsAdmin(app.db, { orderId, to: request.body.status, adminId: request.user.id });
      void app.announceStatusChanges([orderId]);
      return toOrderJson(order);
    },
  );
};
