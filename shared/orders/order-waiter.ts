import { batchWhileBusy, type BatchLimits } from '../async/batch-while-busy';
import { singleFlight } from '../async/single-flight';
import type { Database } from '../db/database';
import { orderNotFound } from './order-errors';
import { findOrder, findOwnOrders, findSettledOrderIds, type OrderRecord } from './order-repository';

export interface OrderWaiterSettings {
  /** Polls read in at most this many statements at once; those that come meanwhile are read together. */
  reads: BatchLimits;
  /** Long-polls one user may have waiting at once, and all users together. */
  maxPerUser: number;
  maxPerProcess: number;
}

/** What the waiter has done, for metrics. */
export interface OrderWaiterStats {
  /** Long-polls waiting now. */
  waiting: number;
  /** Reads made because a waited order changed (one per change, whatever the number of its waiters). */
  wakeUpReads: number;
}

export interface OrderWaiter {
  /**
   * A customer's poll: their order now — or, with `waitMs` and while it is pending, once its status changes, `waitMs`
   * pass or `signal` aborts (the client left). 404 ORDER_NOT_FOUND unless the order is `ownerId`'s. Over the caps
   * (per user, per process) it answers at once.
   */
  read: (orderId: string, ownerId: string, wait?: { waitMs: number; signal?: AbortSignal }) => Promise<OrderRecord>;
  /** These orders changed status (an announcement came): their waiters read them again. */
  wake: (orderIds: string[]) => void;
  /** Re-reads the orders waited on and wakes those that are no longer pending (an announcement may have been lost). */
  recheck: () => Promise<void>;
  /** Answers every waiting poll now with the order as it read it (shutdown: no more reads). */
  wakeAll: () => void;
  stats: () => OrderWaiterStats;
}

/**
 * The customers' order polls of one API process, long-polls included. Polls are read in batches while the database is
 * busy; a long-poll registers before its first read (so a change between the read and the wait is not missed), costs
 * no query while it waits, and all the waiters of one order share one read when it changes. Who changed the order
 * tells the waiter (`wake`, from announcements); `recheck` is the safety net for a lost announcement.
 */
export function orderWaiter(db: Database, { reads, maxPerUser, maxPerProcess }: OrderWaiterSettings): OrderWaiter {
  const readBatch = batchWhileBusy((keys: Array<{ orderId: string; ownerId: string }>) => findOwnOrders(db, keys), reads);
  const readOwn = async (orderId: string, ownerId: string) => {
    const order = await readBatch({ orderId, ownerId });
    if (!order) throw orderNotFound();
    return order;
  };
  let wakeUpReads = 0;
  const readOnce = singleFlight((orderId: string) => {
    wakeUpReads += 1;
    return findOrder(db, orderId);
  });

  /** How a wait ends early: the order changed (read it again), or the process is closing (answer what was read). */
  type Wake = 'changed' | 'closing';
  const waiters = new Map<string, Set<(how: Wake) => void>>();
  const perUser = new Map<string, number>();
  let waiting = 0;

  /** A slot for `ownerId`'s wait on `orderId`, or null over the caps; `changed` resolves on the order's next change. */
  const register = (orderId: string, ownerId: string) => {
    const mine = perUser.get(ownerId) ?? 0;
    if (mine >= maxPerUser || waiting >= maxPerProcess) return null;
    perUser.set(ownerId, mine + 1);
    waiting += 1;
    let onChange: (how: Wake) => void = () => undefined;
    const changed = new Promise<Wake>((resolve) => (onChange = resolve));
    const set = waiters.get(orderId) ?? new Set();
    set.add(onChange);
    waiters.set(orderId, set);
    const release = () => {
      set.delete(onChange);
      if (set.size === 0) waiters.delete(orderId);
      const left = (perUser.get(ownerId) ?? 1) - 1;
      if (left === 0) perUser.delete(ownerId);
      else perUser.set(ownerId, left);
      waiting -= 1;
    };
    return { changed, release };
  };

  const wake = (orderIds: string[], how: Wake = 'changed') => {
    for (const orderId of orderIds) for (const resolve of waiters.get(orderId) ?? []) resolve(how);
  };

  return {
    read: async (orderId, ownerId, { waitMs = 0, signal } = { waitMs: 0 }) => {
      const slot = waitMs > 0 && !signal?.aborted ? register(orderId, ownerId) : null;
      if (!slot) return readOwn(orderId, ownerId);
      let timer: NodeJS.Timeout | undefined;
      let onAbort: () => void = () => undefined;
      try {
        const order = await readOwn(orderId, ownerId);
        if (order.status !== 'pending') return order;
        const ended = await Promise.race([
          slot.changed,
          new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), waitMs))),
          new Promise<'left'>((resolve) => {
            onAbort = () => resolve('left');
            // the client may have left during the first read: its abort has come already
            if (signal?.aborted) resolve('left');
            else signal?.addEventListener('abort', onAbort, { once: true });
          }),
        ]);
        // the client left (nobody reads the answer), or the process is closing (its database with it)
        if (ended === 'left' || ended === 'closing') return order;
        const now = await readOnce(orderId);
        if (!now || now.userId !== ownerId) throw orderNotFound();
        return now;
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        slot.release();
      }
    },
    wake: (orderIds) => wake(orderIds),
    recheck: async () => {
      const waited = [...waiters.keys()];
      if (waited.length > 0) wake(await findSettledOrderIds(db, waited));
    },
    wakeAll: () => wake([...waiters.keys()], 'closing'),
    stats: () => ({ waiting, wakeUpReads }),
  };
}
