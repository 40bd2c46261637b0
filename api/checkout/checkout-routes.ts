import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { withTimeout } from '../../shared/async/with-timeout';
import { requestCheckout } from '../../shared/checkout/checkout-service';
import { enqueueCheckout } from '../../shared/queue/checkout-queue';
import { BEARER, ErrorResponse } from '../http/common-schemas';
import { POLL_AFTER_SECONDS } from '../http/polling';
import { CheckoutAccepted, CheckoutBody, CheckoutHeaders } from './checkout-schemas';

/** The 202 never waits longer than this on Redis. */
const ENQUEUE_TIMEOUT_MS = 1_000;

/** `POST /api/checkout`: 202 with the order id at once; a worker places the order. */
export const checkoutRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  /** The order is committed: if Redis is unreachable now, the reconciler enqueues it later. */
  const enqueueOrLeaveToReconciler = async (orderId: string, request: FastifyRequest) => {
    const data = { orderId, userId: request.user.id, requestId: request.id };
    try {
      // BullMQ would wait for a connection that is not ready instead of failing
      if (app.redis.status !== 'ready') throw new Error(`redis is ${app.redis.status}`);
      await withTimeout(ENQUEUE_TIMEOUT_MS, enqueueCheckout(app.checkoutQueue, data));
    } catch (error) {
      request.log.warn({ err: error, order_id: orderId }, 'enqueue failed; left to the reconciler');
    }
  };

  app.post(
    '/api/checkout',
    {
      schema: {
        tags: ['checkout'],
        summary: 'Turn the cart into an order, asynchronously (poll status_url)',
        security: BEARER,
        headers: CheckoutHeaders,
        body: CheckoutBody,
        response: {
          202: CheckoutAccepted,
          400: ErrorResponse,
          401: ErrorResponse,
          409: ErrorResponse,
          422: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const { orderId, replayed } = await requestCheckout(app.db, {
        userId: request.user.id,
        body: request.body,
        idempotencyKey: request.headers['idempotency-key'],
        requestId: request.id,
      });
      if (!replayed) await enqueueOrLeaveToReconciler(orderId, request);
      app.metrics.checkoutsAccepted.inc({ replayed: String(replayed) });
      request.log.info({ order_id: orderId, replayed }, 'checkout accepted');
      const statusUrl = `/api/orders/${orderId}`;
      return reply
        .code(202)
        .header('location', statusUrl)
        .header('retry-after', String(POLL_AFTER_SECONDS))
        .send({ order_id: orderId, status: 'pending' as const, status_url: statusUrl });
    },
  );
};
