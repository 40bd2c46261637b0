import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../shared/config/config-schema';
import { CHANNELS, createSession, listen, type Session } from '../../shared/db/session';

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
  }
}

const RECONNECT_MS = 1_000;

/**
 * One LISTEN connection per API process on the `order_status` channel (a
 * trigger notifies on every status change, at commit). Waiting clients cost
 * no database query per tick; if the listener is down they simply time out
 * and re-read.
 */
export const orderWatchPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const waiters = new Map<string, Set<() => void>>();
    let client: Session | undefined;
    let closed = false;

    const connect = async (): Promise<void> => {
      const next = createSession(config.DATABASE_URL, 'checkout-api-listen');
      next.on('notification', ({ payload }) => {
        for (const wake of waiters.get(payload ?? '') ?? []) wake();
      });
      next.on('error', (error) => {
        app.log.warn({ err: error }, 'order status listener lost; reconnecting');
        void next.end().catch(() => undefined);
        reconnect();
      });
      try {
        await next.connect();
        await listen(next, CHANNELS.orderStatus);
        client = next;
      } catch (error) {
        app.log.warn({ err: error }, 'order status listener could not connect; retrying');
        await next.end().catch(() => undefined);
        reconnect();
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const reconnect = () => {
      client = undefined;
      if (!closed && !timer) {
        timer = setTimeout(() => {
          timer = undefined;
          void connect();
        }, RECONNECT_MS);
      }
    };

    app.decorate('watchOrder', (orderId: string): OrderWatch => {
      let wake: () => void = () => undefined;
      const fired = new Promise<void>((resolve) => {
        wake = resolve;
      });
      const set = waiters.get(orderId) ?? new Set();
      set.add(wake);
      waiters.set(orderId, set);
      let timeout: NodeJS.Timeout | undefined;
      return {
        changed: (timeoutMs) =>
          Promise.race([fired, new Promise<void>((resolve) => (timeout = setTimeout(resolve, timeoutMs)))]),
        close: () => {
          clearTimeout(timeout);
          set.delete(wake);
          if (set.size === 0) waiters.delete(orderId);
        },
      };
    });

    await connect();
    // preClose runs before the server waits for requests in flight: answer waiting long-polls now
    // rather than holding the shutdown for up to 20 s
    app.addHook('preClose', async () => {
      closed = true;
      clearTimeout(timer);
      for (const set of waiters.values()) for (const wake of set) wake();
    });
    app.addHook('onClose', async () => {
      await client?.end().catch(() => undefined);
    });
  },
  { name: 'order-watch' },
);
