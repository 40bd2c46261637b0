import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../shared/config/config-schema';
import { startNotificationListener } from '../../shared/db/notification-listener';
import { CHANNELS } from '../../shared/db/session';
import { findSettledOrderIds } from '../../shared/orders/order-repository';

/** A registration for one order's next status change. */
export interface OrderWatch {
  /** Resolves on the next status change of the order, or after `timeoutMs`. */
  changed: (timeoutMs: number) => Promise<void>;
  close: () => void;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Long-poll support: wake waiting requests when an order's status changes. */
    watchOrder: (orderId: string) => OrderWatch;
    /** Long-polls waiting right now (a gauge for operators; tests wait on it). */
    orderWaiters: () => number;
  }
}

const RECONNECT_MS = 1_000;

/**
 * One LISTEN session per API process on the `order_status` channel (a
 * trigger notifies on every status change, at commit). Waiting clients cost
 * no database query per tick. The session checks itself (heartbeat) and is
 * replaced when it dies, silently or not; after every reconnect the orders
 * still waited on are read once, so a change made while no one listened
 * still wakes its waiters.
 */
export const orderWatchPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const waiters = new Map<string, Set<() => void>>();
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

    app.decorate('orderWaiters', () => [...waiters.values()].reduce((sum, set) => sum + set.size, 0));
    app.decorate('watchOrder', (orderId: string): OrderWatch => {
      let resolve: () => void = () => undefined;
      const fired = new Promise<void>((done) => {
        resolve = done;
      });
      const set = waiters.get(orderId) ?? new Set();
      set.add(resolve);
      waiters.set(orderId, set);
      let timeout: NodeJS.Timeout | undefined;
      return {
        changed: (timeoutMs) =>
          Promise.race([fired, new Promise<void>((done) => (timeout = setTimeout(done, timeoutMs)))]),
        close: () => {
          clearTimeout(timeout);
          set.delete(resolve);
          if (set.size === 0) waiters.delete(orderId);
        },
      };
    });

    // preClose runs before the server waits for requests in flight: answer waiting long-polls now
    // rather than holding the shutdown for up to 20 s
    app.addHook('preClose', async () => {
      for (const orderId of waiters.keys()) wake(orderId);
    });
    app.addHook('onClose', () => listener.stop());
  },
  { name: 'order-watch', dependencies: ['database'] },
);
