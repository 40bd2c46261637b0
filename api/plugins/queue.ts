import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../shared/config/config-schema';
import { checkoutEnqueuer, type CheckoutEnqueuer } from '../../shared/queue/checkout-enqueuer';
import { createCheckoutQueue, type CheckoutJobData, type CheckoutJobResult } from '../../shared/queue/checkout-queue';

declare module 'fastify' {
  interface FastifyInstance {
    /** Producer side of the checkout queue, on the fail-fast Redis connection. */
    checkoutQueue: Queue<CheckoutJobData, CheckoutJobResult>;
    /** Adds committed orders' jobs, or keeps them until Redis answers again. */
    enqueuer: CheckoutEnqueuer;
  }
}

/**
 * External tier: the BullMQ producer. Adding fails at once while Redis is down (no offline queue): the enqueuer keeps
 * those jobs and adds them when it is back.
 */
export const queuePlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const queue = createCheckoutQueue(app.redis, config.QUEUE_PREFIX);
    queue.on('error', (error) => app.log.warn({ err: error }, 'checkout queue error'));
    const enqueuer = checkoutEnqueuer(queue, app.redis);
    app.decorate('checkoutQueue', queue);
    app.decorate('enqueuer', enqueuer);
    app.addHook('onClose', async () => {
      await enqueuer.close();
      await queue.close();
    });
  },
  { name: 'queue', dependencies: ['redis'] },
);
