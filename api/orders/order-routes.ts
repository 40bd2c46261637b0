import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { orderNotFound } from '../../shared/orders/order-errors';
import { cancelOrder, listOrderPage } from '../../shared/orders/order-service';
import { Type } from '@sinclair/typebox';
import { BEARER, IdParams } from '../http/common-schemas';
import { idParam } from '../http/id-param';
import { clientGone, POLL_AFTER_SECONDS } from '../http/polling';
import { AUTHENTICATED, errorResponses } from '../http/responses';
import { INVALID_TRANSITION, ORDER_NOT_FOUND, OrderListQuery, OrderPageSchema, OrderQuery, OrderSchema } from './order-schemas';
import { toOrderJson, toOrderListJson } from './order-views';

/** The caller's orders: poll one (optionally long-poll), list them, cancel one. */
export const orderRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.get(
    '/api/orders/:id',
    {
      preHandler: app.limits.reads,
      schema: {
        operationId: 'getOrder',
        tags: ['orders'],
        summary: 'An order with its items and status history; ?wait=N holds the answer while pending',
        security: BEARER,
        params: IdParams,
        querystring: OrderQuery,
        response: {
          200: Type.Ref(OrderSchema, {
            description: 'The order',
            headers: { 'Retry-After': { type: 'integer', description: 'Present while pending: seconds before the next poll' } },
          }),
          ...errorResponses({ 400: 'VALIDATION_ERROR: a bad wait', ...AUTHENTICATED, 404: ORDER_NOT_FOUND }),
        },
      },
    },
    async (request, reply) => {
      const id = idParam(request.params.id, orderNotFound);
      const waitMs = request.query.wait * 1000;
      // a plain poll (most of them) answers at once: no listener for the client leaving
      const order = await app.orderWaiter.read(id, request.user.id, waitMs > 0 ? { waitMs, signal: clientGone(request, reply) } : undefined);
      if (order.status === 'pending') reply.header('retry-after', String(POLL_AFTER_SECONDS));
      return toOrderJson(order);
    },
  );

  app.get(
    '/api/orders',
    {
      preHandler: app.limits.reads,
      schema: {
        operationId: 'listOrders',
        tags: ['orders'],
        summary: "The caller's orders, newest first",
        security: BEARER,
        querystring: OrderListQuery,
        response: {
          200: Type.Ref(OrderPageSchema, { description: 'One page of your orders' }),
          ...errorResponses({ 400: 'VALIDATION_ERROR: a bad limit, cursor or status', ...AUTHENTICATED }),
        },
      },
    },
    async (request) => toOrderListJson(await listOrderPage(app.db, { userId: request.user.id }, request.query)),
  );

  app.post(
    '/api/orders/:id/cancel',
    {
      preHandler: app.limits.writes,
      schema: {
        operationId: 'cancelOrder',
        tags: ['orders'],
        summary: 'Cancel a pending or placed order (a placed order gets its stock back)',
        security: BEARER,
        params: IdParams,
        response: {
          200: Type.Ref(OrderSchema, { description: 'The cancelled order' }),
          ...errorResponses({ 400: true, ...AUTHENTICATED, 404: ORDER_NOT_FOUND, 409: INVALID_TRANSITION }),
        },
      },
    },
    async (request) => {
      const orderId = idParam(request.params.id, orderNotFound);
      const { id: ownerId, role } = request.user;
      const order = await cancelOrder(app.db, { orderId, actor: `${role}:${ownerId}`, ownerId });
      void app.announceStatusChanges([orderId]);
      return toOrderJson(order);
    },
  );
};
