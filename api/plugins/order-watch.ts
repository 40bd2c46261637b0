import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { singleFlight } from '../../shared/async/single-flight';
import { withTimeout } from '../../shared/async/with-timeout';
import type { Config } from '../../shared/config/config-schema';
import { orderNotFound } from '../../shared/orders/order-errors';
import { findOrder, findSettledOrderIds, type OrderRecord } from '../../shared/orders/order-repository';
import { announceStatusChanges, statusChannel } from '../../shared/orders/status-announcements';
import { closeRedis, createRedis, reportTrouble } from '../../shared/redis/redis-connection';

/** How a wait ended: the order changed, the time ran out, or the watch was closed (the client left, shutdown). */
export type WaitEnd = 'changed' | 'timeout' | 'closed';

/** A registration for one order's next status change. */
export interface OrderWatch {
  /** Resolves on the next status change of the order, after `timeoutMs`, or when the watch is closed. */
  changed: (timeoutMs: number) => Promise<WaitEnd>;
  /** Ends the wait (resolving `changed`) and frees the slot; safe to call twice. */
  close: () => void;
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Long-poll support: a watch that wakes when the order's status changes;
     * null when `userId` or the process already has as many waiters as allowed.
     */
    watchOrder: (orderId: string, userId: string) => OrderWatch | null;
    /** The order after a wake-up, read once for all its waiters; 404 unless it is `ownerId`'s. */
    readWatchedOrder: (orderId: string, ownerId: string) => Promise<OrderRecord>;
    /** Long-polls waiting right now, and how many wake-up reads were made (for metrics and tests). */
    orderWatchStats: () => { waiting: number; wakeUpReads: number };
    /** Tells every API process that these orders changed status (call after the commit); never throws. */
    announceStatusChanges: (orderIds: string[]) => Promise<void>;
  }
}

/** How long start-up waits for the subscription before going on without it. */
const SUBSCRIBE_WAIT_MS = 2_000;

/**
 * Long-poll wake-ups through Redis pub/sub: whoever changes an order's
 * status (a worker, an API process, the reconciler) announces it after the
 * commit on one channel, and every API process subscribes on a connection of
 * its own — so a change wakes its waiters whichever process or host made it,
 * and no commit pays for a NOTIFY (a database-wide lock at commit). Waiting
 * clients cost no query per tick; when an order changes, all its waiters
 * share one read. An announcement can be lost (Redis down or failing over):
 * after every reconnect of the subscriber, and every LONG_POLL_RECHECK_MS
 * while anyone waits, the orders still waited on are re-read in one
 * statement. Waiters are capped per user and per process.
 */
export const orderWatchPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const waiters = new Map<string, Set<() => void>>();
    const perUser = new Map<string, number>();
    let waiting = 0;
    let wakeUpReads = 0;

    const wake = (orderId: string) => {
      for (const resolve of waiters.get(orderId) ?? []) resolve();
    };
    const recheckWaiting = async () => {
      const waited = [...waiters.keys()];
      if (waited.length === 0) return;
      try {
        for (const orderId of await findSettledOrderIds(app.db, waited)) wake(orderId);
      } catch (error) {
        app.log.warn({ err: error }, 'could not re-read waiting orders; they re-read when their wait ends');
      }
    };
    const readOnce = singleFlight((orderId: string) => {
      wakeUpReads += 1;
      return findOrder(app.db, orderId);
    });

    const subscriber = createRedis(config.redis, 'blocking', 'checkout-api-subscriber');
    reportTrouble(subscriber, app.log, 'status-subscriber');
    let subscribed = false;
    subscriber.on('message', (_channel: string, message: string) => message.split(',').forEach(wake));
    // ioredis subscribes again after a reconnect; whatever was announced meanwhile is re-read
    subscriber.on('ready', () => {
      if (subscribed) void recheckWaiting();
    });
    const subscribing = subscriber.subscribe(statusChannel(config.QUEUE_PREFIX)).then(() => {
      subscribed = true;
    });
    subscribing.catch(() => undefined);
    // Redis down at start-up: the API starts anyway; the subscription completes when Redis comes (re-reads meanwhile)
    await withTimeout(SUBSCRIBE_WAIT_MS, subscribing).catch((error: unknown) =>
      app.log.warn({ err: error }, 'status announcements not subscribed yet; waits rely on re-reads'),
    );
    const recheck = setInterval(() => void recheckWaiting(), config.LONG_POLL_RECHECK_MS);
    recheck.unref();

    app.decorate('watchOrder', (orderId: string, userId: string): OrderWatch | null => {
      const mine = perUser.get(userId) ?? 0;
      if (mine >= config.LONG_POLL_MAX_PER_USER || waiting >= config.LONG_POLL_MAX_PER_PROCESS) return null;
      perUser.set(userId, mine + 1);
      waiting += 1;

      let end: (how: WaitEnd) => void = () => undefined;
      const ended = new Promise<WaitEnd>((resolve) => {
        end = resolve;
      });
      const onChange = () => end('changed');
      const set = waiters.get(orderId) ?? new Set();
      set.add(onChange);
      waiters.set(orderId, set);
      let timeout: NodeJS.Timeout | undefined;
      let open = true;
      return {
        changed: (timeoutMs) => {
          if (open) timeout = setTimeout(() => end('timeout'), timeoutMs);
          return ended;
        },
        close: () => {
          if (!open) return;
          open = false;
          end('closed');
          clearTimeout(timeout);
          set.delete(onChange);
          if (set.size === 0) waiters.delete(orderId);
          const left = (perUser.get(userId) ?? 1) - 1;
          if (left === 0) perUser.delete(userId);
          else perUser.set(userId, left);
          waiting -= 1;
        },
      };
    });

    app.decorate('readWatchedOrder', async (orderId: string, ownerId: string) => {
      const order = await readOnce(orderId);
      if (!order || order.userId !== ownerId) throw orderNotFound();
      return order;
    });
    app.decorate('orderWatchStats', () => ({ waiting, wakeUpReads }));
    app.decorate('announceStatusChanges', async (orderIds: string[]) => {
      try {
        await announceStatusChanges(app.redis, config.QUEUE_PREFIX, orderIds);
      } catch (error) {
        app.log.warn({ err: error, order_ids: orderIds }, 'status change not announced; waiters re-read it');
      }
    });

    // preClose runs before the server waits for requests in flight: answer waiting long-polls now
    // rather than holding the shutdown for up to 20 s
    app.addHook('preClose', async () => {
      for (const orderId of waiters.keys()) wake(orderId);
    });
    app.addHook('onClose', async () => {
      clearInterval(recheck);
      await closeRedis(subscriber);
    });
  },
  { name: 'order-watch', dependencies: ['database', 'redis'] },
);
