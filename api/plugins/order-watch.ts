import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { withTimeout } from '../../shared/async/with-timeout';
import type { Config } from '../../shared/config/config-schema';
import { orderWaiter, type OrderWaiter } from '../../shared/orders/order-waiter';
import { announceStatusChangesSafely, statusChannel } from '../../shared/orders/status-announcements';
import { closeRedis, createRedis, reportTrouble } from '../../shared/redis/redis-connection';

declare module 'fastify' {
  interface FastifyInstance {
    /** The customers' order polls, long-polls included (shared/orders/order-waiter.ts). */
    orderWaiter: OrderWaiter;
    /** Tells every API process that these orders changed status (call after the commit); never throws. */
    announceStatusChanges: (orderIds: string[]) => Promise<void>;
  }
}

/** Polls read together, at most this many orders per statement. */
const ORDER_READ_BATCH_MAX = 100;
/** How long start-up waits for the subscription before going on without it. */
const SUBSCRIBE_WAIT_MS = 2_000;

/**
 * Long-poll wake-ups through Redis pub/sub: whoever changes an order's status (a worker, an API process, the
 * reconciler) announces it after the commit on one channel, and every API process subscribes on a connection of its
 * own — so a change wakes its waiters whichever process or host made it, and no commit pays for a NOTIFY (a
 * database-wide lock at commit). An announcement can be lost (Redis down or failing over): after every reconnect of
 * the subscriber, and every LONG_POLL_RECHECK_MS while anyone waits, the orders still waited on are re-read in one
 * statement.
 */
export const orderWatchPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const waiter = orderWaiter(app.db, {
      reads: { maxInFlight: Math.min(config.ORDER_READS_IN_FLIGHT, config.DB_POOL_MAX), maxBatch: ORDER_READ_BATCH_MAX },
      maxPerUser: config.LONG_POLL_MAX_PER_USER,
      maxPerProcess: config.LONG_POLL_MAX_PER_PROCESS,
    });
    const recheck = () =>
      waiter.recheck().catch((error: unknown) => app.log.warn({ err: error }, 'could not re-read waiting orders; they re-read when their wait ends'));

    const subscriber = createRedis(config.redis, 'blocking', 'checkout-api-subscriber');
    reportTrouble(subscriber, app.log, 'status-subscriber');
    let subscribed = false;
    subscriber.on('message', (_channel: string, message: string) => waiter.wake(message.split(',')));
    // ioredis subscribes again after a reconnect; whatever was announced meanwhile is re-read
    subscriber.on('ready', () => {
      if (subscribed) void recheck();
    });
    const subscribing = subscriber.subscribe(statusChannel(config.QUEUE_PREFIX)).then(() => {
      subscribed = true;
    });
    subscribing.catch(() => undefined);
    // Redis down at start-up: the API starts anyway; the subscription completes when Redis comes (re-reads meanwhile)
    await withTimeout(SUBSCRIBE_WAIT_MS, subscribing).catch((error: unknown) =>
      app.log.warn({ err: error }, 'status announcements not subscribed yet; waits rely on re-reads'),
    );
    const rechecks = setInterval(() => void recheck(), config.LONG_POLL_RECHECK_MS);
    rechecks.unref();

    app.decorate('orderWaiter', waiter);
    app.decorate('announceStatusChanges', (orderIds: string[]) => announceStatusChangesSafely(app.redis, config.QUEUE_PREFIX, orderIds, app.log));

    // preClose runs before the server waits for requests in flight: answer waiting long-polls now
    // rather than holding the shutdown for up to 20 s
    app.addHook('preClose', async () => waiter.wakeAll());
    app.addHook('onClose', async () => {
      clearInterval(rechecks);
      await closeRedis(subscriber);
    });
  },
  { name: 'order-watch', dependencies: ['database', 'redis'] },
);
