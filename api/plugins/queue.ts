import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../shared/config/config-schema';
import { createCheckoutQueue, type CheckoutJobData, type CheckoutJobResult } from '../../shared/queue/checkout-queue';

declare module 'fastify' {
  interface FastifyInstance {
    /** Producer side of the checkout queue, on the fail-fast Redis connection. */
    checkoutQueue: Queue<CheckoutJobData, CheckoutJobResult>;
  }
}

/** External tier: the BullMQ producer. Adding fails at once while Redis is down (no offline queue). */
export const queuePlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const queue = createCheckoutQueue(app.redis, config.QUEUE_PREFIX);
    queue.on('error', (error) => app.log.warn({ err: error }, 'checkout queue error'));
    app.decorate('checkoutQueue', queue);
    app.addHook('onClose', () => queue.close());
  },
  { name: 'queue', dependencies: ['redis'] },
);
