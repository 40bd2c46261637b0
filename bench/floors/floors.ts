import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { BenchEnvironment } from '../harness/environment';
import { runOpenLoop } from '../harness/open-loop';
import { AsyncQueue, CallTimer, runCallers, runCallersFor, summarize, throughput, type LatencySummary, type Throughput } from '../harness/stats';
import { batchWhileBusy } from '../../shared/async/batch-while-busy';
import { CART_ADD_STATEMENTS } from '../../shared/cart/cart-service';
import { ACCEPT_STATEMENTS } from '../../shared/checkout/checkout-service';
import { ORDER_READ_STATEMENTS } from '../../shared/orders/order-service';
import { PLACEMENT_STATEMENTS } from '../../shared/placement/place-order';
import { acceptCheckout, acceptCheckouts, addToCart, placeOrder, placeOrders, readOrder } from './flows';

/**
 * The floors: each hot path's statements (flows.ts) driven like the service
 * drives them — the same number of concurrent callers, over as many database
 * connections as the service process has (the API's pool, a worker's jobs) —
 * from this process, with node-postgres prepared statements and nothing else.
 */

export interface CartOperation {
  userId: string;
  productId: string;
}

async function withClient<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

/** Add to cart: `callers` at once over `poolMax` connections, each operation one transaction. */
export async function addToCartFloor(
  environment: BenchEnvironment,
  operations: CartOperation[],
  { callers, poolMax, maxLines }: { callers: number; poolMax: number; maxLines: number },
): Promise<Throughput> {
  const pool = await environment.warmPool(poolMax, 'floor-add-to-cart', CART_ADD_STATEMENTS);
  try {
    const timer = new CallTimer();
    await runCallers(operations.length, callers, (i) => {
      const { userId, productId } = operations[i]!;
      return timer.time(() => withClient(pool, (client) => addToCart(client, userId, productId, 1, maxLines)));
    });
    return timer.throughput(operations.length);
  } finally {
    await pool.end();
  }
}

/** Order read: `callers` at once over `poolMax` connections for `durationMs` (after `warmupMs` not counted). */
export async function orderPollFloor(
  environment: BenchEnvironment,
  orders: Array<{ id: string; userId: string }>,
  { callers, poolMax, durationMs, warmupMs }: { callers: number; poolMax: number; durationMs: number; warmupMs: number },
): Promise<Throughput> {
  const pool = await environment.warmPool(poolMax, 'floor-order-poll', ORDER_READ_STATEMENTS);
  try {
    const read = (i: number) => {
      const order = orders[i % orders.length]!;
      return readOrder(pool, order.id, order.userId);
    };
    await runCallersFor(performance.now() + warmupMs, callers, read);
    const timer = new CallTimer();
    const count = await runCallersFor(performance.now() + durationMs, callers, (i) => timer.time(() => read(i)));
    return timer.throughput(count);
  } finally {
    await pool.end();
  }
}

export interface CheckoutFloorFigures {
  checkouts: number;
  /** From the first accept until every order was placed. */
  seconds: number;
  placedPerSecond: number;
  /** The accepts alone (the 202 side). */
  acceptSeconds: number;
  acceptLatency: LatencySummary;
  notPlaced: number;
}

/**
 * Checkout end to end: `callers` accept at once over `acceptPoolMax`
 * connections (the API), while `placers` place what was accepted, in order,
 * over their own connections (a worker's jobs), `groupSize` orders per
 * transaction at most — until all are placed. With `acceptGroups`, the
 * checkouts that come while that many accept transactions run are accepted
 * together, up to `max` in one (as the API groups them); otherwise one each.
 */
export async function checkoutBurstFloor(
  environment: BenchEnvironment,
  userIds: string[],
  {
    callers,
    acceptPoolMax,
    placers,
    placePoolMax,
    groupSize = 1,
    acceptGroups,
  }: {
    callers: number;
    acceptPoolMax: number;
    placers: number;
    placePoolMax: number;
    groupSize?: number;
    acceptGroups?: { inFlight: number; max: number };
  },
): Promise<CheckoutFloorFigures> {
  const acceptPool = await environment.warmPool(acceptPoolMax, 'floor-accept', ACCEPT_STATEMENTS);
  const placePool = await environment.warmPool(placePoolMax, 'floor-place', PLACEMENT_STATEMENTS);
  const accept = acceptGroups
    ? batchWhileBusy((users: string[]) => withClient(acceptPool, (client) => acceptCheckouts(client, users)), {
        maxInFlight: acceptGroups.inFlight,
        maxBatch: acceptGroups.max,
      })
    : (userId: string) => withClient(acceptPool, (client) => acceptCheckout(client, userId, randomUUID()));
  try {
    const accepted = new AsyncQueue<string>();
    const latencies: number[] = [];
    let notPlaced = 0;
    const start = performance.now();
    let acceptSeconds = 0;
    const accepting = runCallers(userIds.length, callers, async (i) => {
      const began = performance.now();
      const orderId = await accept(userIds[i]!);
      latencies.push(performance.now() - began);
      accepted.push(orderId);
    }).finally(() => {
      acceptSeconds = (performance.now() - start) / 1000;
      accepted.close();
    });
    // each placer takes what was accepted meanwhile, up to `groupSize`, into one transaction (1: one order each)
    const placing = Array.from({ length: placers }, async () => {
      for (let group = await accepted.takeUpTo(groupSize); group.length > 0; group = await accepted.takeUpTo(groupSize)) {
        const ids = group;
        const statuses = await withClient(placePool, (client) => placeOrders(client, ids));
        notPlaced += statuses.filter((status) => status !== 'placed').length;
      }
    });
    await Promise.all([accepting, ...placing]);
    const seconds = (performance.now() - start) / 1000;
    return {
      checkouts: userIds.length,
      seconds: Math.round(seconds * 100) / 100,
      placedPerSecond: Math.round(userIds.length / seconds),
      acceptSeconds: Math.round(acceptSeconds * 100) / 100,
      acceptLatency: summarize(latencies),
      notPlaced,
    };
  } finally {
    await Promise.all([acceptPool.end(), placePool.end()]);
  }
}

/**
 * Checkouts offered at `perSecond` (open loop) over `acceptPoolMax`
 * connections while `placers` place them: the accept latency, from each
 * checkout's scheduled start to its commit.
 */
export async function checkoutRateFloor(
  environment: BenchEnvironment,
  userIds: string[],
  { perSecond, acceptPoolMax, placers, placePoolMax }: { perSecond: number; acceptPoolMax: number; placers: number; placePoolMax: number },
): Promise<{ latency: LatencySummary; placement: LatencySummary; errors: number; notPlaced: number }> {
  const acceptPool = await environment.warmPool(acceptPoolMax, 'floor-accept', ACCEPT_STATEMENTS);
  const placePool = await environment.warmPool(placePoolMax, 'floor-place', PLACEMENT_STATEMENTS);
  try {
    const accepted = new AsyncQueue<{ orderId: string; at: number }>();
    const placementMs: number[] = [];
    let notPlaced = 0;
    const offering = runOpenLoop(userIds.length, perSecond, async (i) => {
      const orderId = await withClient(acceptPool, (client) => acceptCheckout(client, userIds[i]!, randomUUID()));
      accepted.push({ orderId, at: performance.now() });
    }).finally(() => accepted.close());
    const placing = Array.from({ length: placers }, async () => {
      for (let next = await accepted.take(); next; next = await accepted.take()) {
        const { orderId, at } = next;
        if ((await withClient(placePool, (client) => placeOrder(client, orderId))) !== 'placed') notPlaced += 1;
        placementMs.push(performance.now() - at);
      }
    });
    const [offered] = await Promise.all([offering, ...placing]);
    return { latency: summarize(offered.latenciesMs), placement: summarize(placementMs), errors: offered.errors.length, notPlaced };
  } finally {
    await Promise.all([acceptPool.end(), placePool.end()]);
  }
}

/** Accepting alone: `callers` accept a checkout each at once, over `poolMax` connections (the APIs' pools together). */
export async function acceptFloor(environment: BenchEnvironment, userIds: string[], { callers, poolMax }: { callers: number; poolMax: number }): Promise<Throughput> {
  const pool = await environment.warmPool(poolMax, 'floor-accept', ACCEPT_STATEMENTS);
  try {
    const timer = new CallTimer();
    await runCallers(userIds.length, callers, (i) => timer.time(() => withClient(pool, (client) => acceptCheckout(client, userIds[i]!, randomUUID()))));
    return timer.throughput(userIds.length);
  } finally {
    await pool.end();
  }
}

/** Accepts a checkout for every user (setup for the placement measurements; not timed); resolves with the order ids. */
export async function acceptAll(environment: BenchEnvironment, userIds: string[], poolMax: number): Promise<string[]> {
  const pool = environment.newPool(poolMax, 'bench-setup-accept');
  try {
    const orderIds: string[] = new Array<string>(userIds.length);
    await runCallers(userIds.length, poolMax * 2, async (i) => {
      orderIds[i] = await withClient(pool, (client) => acceptCheckout(client, userIds[i]!, randomUUID()));
    });
    return orderIds;
  } finally {
    await pool.end();
  }
}

/**
 * Placement alone, in groups: `transactions` at once, each on its own connection, each taking the next
 * `groupSize` orders (or fewer, at the end) into one transaction, until every order is placed.
 */
export async function groupPlacementFloor(
  environment: BenchEnvironment,
  orderIds: string[],
  { transactions, groupSize }: { transactions: number; groupSize: number },
): Promise<Throughput> {
  const pool = await environment.warmPool(transactions, 'floor-place-groups', PLACEMENT_STATEMENTS);
  try {
    const groups = Array.from({ length: Math.ceil(orderIds.length / groupSize) }, (_, i) => orderIds.slice(i * groupSize, (i + 1) * groupSize));
    const timer = new CallTimer();
    let notPlaced = 0;
    await runCallers(groups.length, transactions, (i) =>
      timer.time(async () => {
        const statuses = await withClient(pool, (client) => placeOrders(client, groups[i]!));
        notPlaced += statuses.filter((status) => status !== 'placed').length;
      }),
    );
    const figures = timer.throughput(orderIds.length);
    return { ...figures, errors: figures.errors + notPlaced };
  } finally {
    await pool.end();
  }
}

/** Placement alone: `placers` at once, each on its own connection, until every order is placed. */
export async function placementFloor(environment: BenchEnvironment, orderIds: string[], placers: number): Promise<Throughput> {
  const pool = await environment.warmPool(placers, 'floor-place', PLACEMENT_STATEMENTS);
  try {
    const latencies: number[] = [];
    let errors = 0;
    const start = performance.now();
    await runCallers(orderIds.length, placers, async (i) => {
      const began = performance.now();
      const status = await withClient(pool, (client) => placeOrder(client, orderIds[i]!));
      if (status === 'placed') latencies.push(performance.now() - began);
      else errors += 1;
    });
    return throughput(orderIds.length, (performance.now() - start) / 1000, errors, latencies);
  } finally {
    await pool.end();
  }
}
