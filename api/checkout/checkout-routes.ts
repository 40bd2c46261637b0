import { activeTraceparent } from '../../shared/telemetry/tracing';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { groupingAcceptor } from '../../shared/checkout/checkout-service';
import type { Config } from '../../shared/config/config-schema';
import { Type } from '@sinclair/typebox';
import { BEARER } from '../http/common-schemas';
import { POLL_AFTER_SECONDS } from '../http/polling';
import { AUTHENTICATED, errorResponses, WITH_BODY } from '../http/responses';
import { CheckoutAcceptedSchema, CheckoutHeaders, CheckoutRequestSchema } from './checkout-schemas';

/** `POST /api/checkout`: 202 with the order id at once; a worker places the order. */
export const checkoutRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  app.addHook('onRequest', app.authenticate);
  // checkouts that come while accept transactions run are accepted together, and their jobs added together
  const accept = groupingAcceptor(app.db, {
    maxInFlight: Math.min(config.CHECKOUT_ACCEPTS_IN_FLIGHT, config.DB_POOL_MAX),
    maxBatch: config.CHECKOUT_ACCEPT_GROUP_MAX,
  });
  app.post(
    '/api/checkout',
    {
      preHandler: app.limits.checkout,
      schema: {
        operationId: 'createCheckout',
        tags: ['checkout'],
        summary: 'Turn the cart into an order, asynchronously (poll status_url)',
        description:
          'Answers 202 at once: the pending order exists, a worker places it. Poll `status_url` (after Retry-After ' +
          'seconds, then with `?wait=20`) until the status is final. Send an Idempotency-Key to make retries safe.',
        security: BEARER,
        headers: CheckoutHeaders,
        body: Type.Ref(CheckoutRequestSchema),
        response: {
          202: Type.Ref(CheckoutAcceptedSchema, {
            description: 'Accepted: the order is pending',
            headers: {
              Location: { type: 'string', description: 'The order to poll (equals status_url)' },
              'Retry-After': { type: 'integer', description: 'Seconds to wait before the first poll' },
            },
          }),
          ...errorResponses({
            ...WITH_BODY,
            ...AUTHENTICATED,
            409: 'CHECKOUT_IN_PROGRESS: another checkout of this cart is pending (its order_id and status_url in the body)',
            422: 'CART_EMPTY: nothing to check out; or IDEMPOTENCY_KEY_REUSED: the key was used with another body',
          }),
        },
      },
    },
    async (request, reply) => {
      // the request's trace, kept with the order and carried by its job (null when tracing is off)
      const traceparent = activeTraceparent();
      const { orderId, replayed } = await accept({
        userId: request.user.id,
        body: request.body,
        idempotencyKey: request.headers['idempotency-key'],
        requestId: request.id,
        traceparent,
      });
      // the order is committed: its job goes to Redis now, or as soon as Redis answers again
      if (!replayed) await app.enqueuer.enqueue({ data: { orderId, userId: request.user.id, requestId: request.id }, traceparent }, request.log);
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
