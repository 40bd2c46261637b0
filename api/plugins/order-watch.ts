import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { singleFlight } from '../../shared/async/single-flight';
import type { Config } from '../../shared/config/config-schema';
import { startNotificationListener } from '../../shared/db/notification-listener';
import { CHANNELS } from '../../shared/db/session';
import { orderNotFound } from '../../shared/orders/order-errors';
import { findOrder, findSettledOrderIds, type OrderRecord } from '../../shared/orders/order-repository';

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
  }
}

const RECONNECT_MS = 1_000;

/**
 * One LISTEN session per API process on the `order_status` channel (a
 * trigger notifies on every status change, at commit). Waiting clients cost
 * no database query per tick, and when an order changes, all its waiters
 * share one read. The session checks itself (heartbeat) and is replaced when
 * it dies, silently or not; after every reconnect the orders still waited on
 * are read once, so a change made while no one listened still wakes its
 * waiters. Waiters are capped per user and per process.
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

    const listener = await startNotificationListener({
      url: config.DATABASE_URL,
      applicationName: 'checkout-api-listen',
      channel: CHANNELS.orderStatus,
      heartbeatMs: config.LISTENER_HEARTBEAT_MS,
      reconnectMs: RECONNECT_MS,
      onNotification: wake,
      onConnected: () => void recheckWaiting(),
      log: app.log,
    });

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

    // preClose runs before the server waits for requests in flight: answer waiting long-polls now
    // rather than holding the shutdown for up to 20 s
    app.addHook('preClose', async () => {
      for (const orderId of waiters.keys()) wake(orderId);
    });
    app.addHook('onClose', () => listener.stop());
  },
  { name: 'order-watch', dependencies: ['database'] },
);
