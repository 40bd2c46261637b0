import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { orderNotFound } from '../../shared/orders/order-errors';
import { cancelOrder, listOrderPage, ownOrderReader } from '../../shared/orders/order-service';
import { Type } from '@sinclair/typebox';
import type { Config } from '../../shared/config/config-schema';
import { BEARER, IdParams } from '../http/common-schemas';
import { idParam } from '../http/id-param';
import { POLL_AFTER_SECONDS } from '../http/polling';
import { AUTHENTICATED, errorResponses } from '../http/responses';
import { INVALID_TRANSITION, ORDER_NOT_FOUND, OrderListQuery, OrderPageSchema, OrderQuery, OrderSchema } from './order-schemas';
import { toOrderJson, toOrderListJson } from './order-views';

/** Polls read together, at most this many orders per statement. */
const ORDER_READ_BATCH_MAX = 100;

/** The caller's orders: poll one (optionally long-poll), list them, cancel one. */
export const orderRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  app.addHook('onRequest', app.authenticate);
  const readOwnOrder = ownOrderReader(app.db, {
    maxInFlight: Math.min(config.ORDER_READS_IN_FLIGHT, config.DB_POOL_MAX),
    maxBatch: ORDER_READ_BATCH_MAX,
  });

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
      const ownerId = request.user.id;
      const { wait } = request.query;
      // watch before reading, so a change between the read and the wait is not missed;
      // no watch over the caps (per user, per process): the answer comes at once
      const watch = wait > 0 ? app.watchOrder(id, ownerId) : null;
      // a client that leaves stops its wait at once (also one that left before the listener was on)
      const leave = () => watch?.close();
      if (watch) {
        reply.raw.once('close', leave);
        if (request.raw.socket?.destroyed) leave();
      }
      let order = await readOwnOrder(id, ownerId).catch((error: unknown) => {
        watch?.close();
        reply.raw.off('close', leave);
        throw error;
      });
      if (watch) {
        try {
          if (order.status === 'pending' && (await watch.changed(wait * 1000)) !== 'closed') {
            order = await app.readWatchedOrder(id, ownerId);
          }
        } finally {
          watch.close();
          reply.raw.off('close', leave);
        }
      }
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
