import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { enqueueCheckout } from '../../shared/queue/checkout-queue';
import { ErrorResponse } from '../http/common-schemas';
import { CheckoutAccepted, CheckoutBody, CheckoutHeaders } from './checkout-schemas';
import { requestCheckout } from './checkout-service';

/** Seconds a client should wait before its first poll. */
export const POLL_AFTER_SECONDS = 1;

/** `POST /api/checkout`: 202 with the order id at once; a worker places the order. */
export const checkoutRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/api/checkout',
    {
      schema: {
        tags: ['checkout'],
        summary: 'Turn the cart into an order, asynchronously (poll status_url)',
        security: [{ bearerAuth: [] }],
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
      if (!replayed) {
        // the order is committed: if Redis is unreachable now, the reconciler enqueues it later
        await enqueueCheckout(app.checkoutQueue, { orderId, userId: request.user.id, requestId: request.id }).catch(
          (error: unknown) => request.log.warn({ err: error, order_id: orderId }, 'enqueue failed; left to the reconciler'),
        );
      }
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
