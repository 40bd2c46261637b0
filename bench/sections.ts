import { ConfigSchema } from '../shared/config/config-schema';
import { startPgBouncer } from '../deploy/local/pgbouncer';
import {
  acceptAll,
  acceptFloor,
  groupPlacementFloor,
  addToCartFloor,
  checkoutBurstFloor,
  checkoutRateFloor,
  orderPollFloor,
  placementFloor,
  type CartOperation,
} from './floors/floors';
import { postgresCpuSeconds, processesCpuSeconds } from './harness/cpu';
import type { ServiceProcess } from '../deploy/local/service-process';
import type { BenchEnvironment } from './harness/environment';
import { round } from './harness/stats';
import { cartProducts, fillCarts, resetData, users, type Catalogue } from './harness/fixtures';
import type { BenchSettings } from './settings';
import { addToCartService } from './service/add-to-cart';
import { checkoutAcceptService, checkoutBurstService, checkoutRateService, type CheckoutBurstFigures } from './service/checkout';
import { coldStart } from './service/cold-start';
import { longPollService } from './service/long-poll';
import { orderPollService } from './service/order-poll';
import { workerScalingService } from './service/worker-scaling';

/**
 * The sections of `npm run bench`, one function each, in the order run-bench.ts runs them. Each records its figures in
 * `figures` (for bench.json) and resolves with what the table's rows need (section-rows.ts); each leaves orders and
 * carts empty, but for the two end-to-end sections: the order poll polls the orders their last burst placed.
 */

/** What every section reads, and `figures`, where each records what it measured. */
export interface BenchContext {
  environment: BenchEnvironment;
  settings: BenchSettings;
  log: (message: string) => void;
  catalogue: Catalogue;
  /** Empties orders and carts, then gives each of `userIds` a cart of `cartLines` products. */
  freshCarts: (userIds: string[]) => Promise<void>;
  figures: Record<string, unknown>;
}

/** Per-order placements at once per worker process in the per-order floor (the old WORKER_CONCURRENCY default). */
export const PER_ORDER_PLACERS = 5;

/** Cold start: what an autoscaler adding a process waits for (the first thing a user of a new process meets). */
export async function coldStartSection({ environment, log, freshCarts, figures }: BenchContext) {
  log('cold start: a worker spawned while a job waits, an API spawned');
  const coldUsers = users('cold', 1);
  await freshCarts(coldUsers);
  const [coldOrderId] = await acceptAll(environment, coldUsers, 1);
  const cold = await coldStart(environment, { orderId: coldOrderId!, userId: coldUsers[0]! });
  await resetData(environment.pool);
  figures['coldStart'] = cold;
  return cold;
}

/**
 * What a user meets first: an API and a worker started just now, with the shipped defaults, no warm-up — checkouts
 * offered at a fixed rate in their first seconds, then (on another new pair) a first burst.
 */
export async function firstSecondsSection({ environment, settings, log, freshCarts, figures }: BenchContext) {
  const { perSecond, firstSecondsMs } = settings.checkoutRate;
  const { checkouts, connections } = settings.burst;
  log(`first seconds after start: checkouts at ${perSecond}/s for ${firstSecondsMs} ms, then a first burst of ${checkouts}, on new processes`);
  environment.rss.phase('first seconds after start');
  const firstRateUsers = users('first-rate', Math.round((perSecond * firstSecondsMs) / 1000));
  await freshCarts(firstRateUsers);
  const firstRate = await onNewProcesses(environment, (url) => checkoutRateService(environment, firstRateUsers, { perSecond, url }));
  const firstBurstUsers = users('first-burst', checkouts);
  await freshCarts(firstBurstUsers);
  const firstBurst = await onNewProcesses(environment, (url) => checkoutBurstService(environment, firstBurstUsers, { connections, url }));
  await resetData(environment.pool);
  figures['firstSeconds'] = { rate: firstRate, burst: firstBurst };
  return { rate: firstRate, burst: firstBurst };
}

/** Add to cart: the same operations through the API and as the floor. */
export async function addToCartSection({ environment, settings, log, catalogue, figures }: BenchContext) {
  const { pool } = environment;
  const { rounds, apiPoolMax, cartLines } = settings;
  const { connections, warmup, requests, users: userCount } = settings.addToCart;
  log(`add to cart: ${requests} at ${connections} connections, best of ${rounds}`);
  environment.rss.phase('add to cart');
  const warmOps = cartOperations(catalogue, users('cart-warm', Math.min(userCount, warmup)), warmup, cartLines);
  const cartOps = cartOperations(catalogue, users('cart', userCount), requests, cartLines);
  const floorOptions = { callers: connections, poolMax: apiPoolMax, maxLines: ConfigSchema.properties.CART_MAX_LINES.default as number };
  await addToCartService(environment, warmOps, { connections });
  await addToCartFloor(environment, warmOps, floorOptions);
  const runs = await inPreparedRounds(
    rounds,
    () => resetData(pool),
    () => addToCartService(environment, cartOps, { connections }),
    () => addToCartFloor(environment, cartOps, floorOptions),
  );
  await resetData(pool);
  const service = best(runs.service, (run) => run.perSecond);
  const floor = best(runs.floor, (run) => run.perSecond);
  figures['addToCart'] = { service, floor, runs };
  return { service, floor };
}

/**
 * Checkout end to end: a burst of checkouts while one worker places them, beside the per-order floor (one order per
 * transaction) and the group floor (groups as the worker makes them). Starts that worker, `placingWorker`: it runs from
 * the end-to-end warm-up to the end of the fixed-rate checkouts (checkoutAtRateSection stops it; idle during the order
 * poll), so what those measure is a worker whose code the JIT has compiled, as in a service that runs; on error,
 * environment.close() stops it.
 */
export async function endToEndSection(bench: BenchContext) {
  const { environment, settings, log, freshCarts, figures } = bench;
  const { rounds, apiPoolMax } = settings;
  const { checkouts, connections, warmup } = settings.burst;
  log(`checkout end to end: ${checkouts} at ${connections} connections, 1 worker, best of ${rounds} (after ${warmup} not counted)`);
  environment.rss.phase('checkout end to end');
  const floorOptions = { callers: connections, acceptPoolMax: apiPoolMax, placers: PER_ORDER_PLACERS, placePoolMax: PER_ORDER_PLACERS };
  const acceptGroups = {
    inFlight: ConfigSchema.properties.CHECKOUT_ACCEPTS_IN_FLIGHT.default as number,
    max: ConfigSchema.properties.CHECKOUT_ACCEPT_GROUP_MAX.default as number,
  };
  const placers = settings.placementGroupsInFlight;
  const groupFloorOptions = { ...floorOptions, placers, placePoolMax: placers, groupSize: settings.placementGroupMax, acceptGroups };
  const floors = async (userIds: string[]) => {
    await freshCarts(userIds);
    const perOrder = await checkoutBurstFloor(environment, userIds, floorOptions);
    await freshCarts(userIds);
    return { perOrder, group: await checkoutBurstFloor(environment, userIds, groupFloorOptions) };
  };
  const burstUsers = users('burst', checkouts);
  const placingWorker = await environment.startWorkers(1);
  const warmUsers = users('burst-warm', warmup);
  await burst(bench, warmUsers);
  await floors(warmUsers);
  const runs = await inRounds(rounds, () => burst(bench, burstUsers), () => floors(burstUsers));
  const bestRuns = {
    service: best(runs.service, (run) => run.placedPerSecond),
    floor: best(runs.floor, (run) => run.perOrder.placedPerSecond).perOrder,
    groupFloor: best(runs.floor, (run) => run.group.placedPerSecond).group,
  };
  figures['checkoutEndToEnd'] = { warmup, ...bestRuns, runs };
  return { ...bestRuns, placingWorker };
}

/**
 * The same through an API with rate limits off (the shipped default is on), warmed the same way. Starts that API,
 * `unlimited`: orderPollSection polls through it too and stops it (so does this section if it fails).
 */
export async function noRateLimitsSection(bench: BenchContext) {
  const { environment, settings, log, figures } = bench;
  const { rounds } = settings;
  log('checkout end to end and order poll through an API with rate limits off');
  const unlimited = await environment.extraApi('api-no-rate-limits', { RATE_LIMITS_ENABLED: 'false' });
  let unlimitedBurst: CheckoutBurstFigures;
  try {
    await burst(bench, users('burst-warm-unlimited', settings.burst.warmup), unlimited.url);
    const burstUsers = users('burst', settings.burst.checkouts);
    const unlimitedRuns: CheckoutBurstFigures[] = [];
    for (let round = 0; round < rounds; round += 1) unlimitedRuns.push(await burst(bench, burstUsers, unlimited.url));
    unlimitedBurst = best(unlimitedRuns, (run) => run.placedPerSecond);
  } catch (error) {
    await unlimited.stop();
    throw error;
  }
  figures['checkoutEndToEndNoRateLimits'] = unlimitedBurst;
  return { burst: unlimitedBurst, unlimited };
}

/** Order poll, on the orders the last burst placed: through the API, as the floor, and through `unlimited`, which it then stops. */
export async function orderPollSection({ environment, settings, log, figures }: BenchContext, unlimited: { url: string; stop: () => Promise<void> }) {
  const { pool } = environment;
  const { rounds, apiPoolMax } = settings;
  const { connections, durationMs, warmupMs } = settings.orderPoll;
  log(`order poll: ${connections} connections for ${durationMs} ms, best of ${rounds}`);
  environment.rss.phase('order poll');
  const { rows: placedOrders } = await pool.query<{ id: string; userId: string }>(
    `SELECT id, user_id AS "userId" FROM orders WHERE status = 'placed' ORDER BY id`,
  );
  const pollOptions = { connections, durationMs, warmupMs };
  const runs = await inRounds(
    rounds,
    () => orderPollService(environment, placedOrders, pollOptions),
    () => orderPollFloor(environment, placedOrders, { callers: connections, poolMax: apiPoolMax, durationMs, warmupMs }),
  );
  let noRateLimits: Awaited<ReturnType<typeof orderPollService>>;
  try {
    noRateLimits = await orderPollService(environment, placedOrders, { ...pollOptions, url: unlimited.url });
  } finally {
    await unlimited.stop();
  }
  await resetData(pool);
  const service = best(runs.service, (run) => run.perSecond);
  const floor = best(runs.floor, (run) => run.perSecond);
  figures['orderPollNoRateLimits'] = noRateLimits;
  figures['orderPoll'] = { orders: placedOrders.length, service, floor, runs };
  return { service, floor, noRateLimits };
}

/**
 * Checkout at a fixed offered rate while `placingWorker` places, which it then stops: rounds of one long run each
 * (percentiles need the samples), the lowest p99 of each side counts, as the best throughput does elsewhere.
 */
export async function checkoutAtRateSection({ environment, settings, log, freshCarts, figures }: BenchContext, placingWorker: ServiceProcess[]) {
  const { rounds, apiPoolMax } = settings;
  const { perSecond, durationMs } = settings.checkoutRate;
  log(`checkout at ${perSecond}/s for ${durationMs} ms, 1 worker placing, best of ${rounds}`);
  environment.rss.phase('checkout at a fixed rate');
  const rateUsers = users('rate', Math.round((perSecond * durationMs) / 1000));
  const floorOptions = { perSecond, acceptPoolMax: apiPoolMax, placers: PER_ORDER_PLACERS, placePoolMax: PER_ORDER_PLACERS };
  const runs = await inPreparedRounds(
    rounds,
    () => freshCarts(rateUsers),
    () => checkoutRateService(environment, rateUsers, { perSecond }),
    () => checkoutRateFloor(environment, rateUsers, floorOptions),
  );
  await environment.stopWorkers(placingWorker);
  await resetData(environment.pool);
  const service = best(runs.service, (run) => -run.latency.p99);
  const floor = best(runs.floor, (run) => -run.latency.p99);
  figures['checkoutAtRate'] = { service, floor, runs };
  return { service, floor };
}

/** Long-polls: what waiting costs the database, and how soon all hear of their order. */
export async function longPollSection({ environment, settings, log, catalogue, figures }: BenchContext) {
  const { pool } = environment;
  log(`long-poll: ${settings.longPoll.waiters} waiters`);
  environment.rss.phase('long-poll');
  const waitingUsers = users('long-poll', settings.longPoll.waiters);
  await fillCarts(pool, catalogue, waitingUsers, settings.cartLines);
  const longPoll = await longPollService(environment, waitingUsers, settings.longPoll);
  await resetData(pool);
  figures['longPoll'] = longPoll;
  return longPoll;
}

/** Placement transactions at once with `processes` worker processes: what the group floor runs beside them. */
export function placementTransactions(settings: BenchSettings, processes: number): number {
  return processes * settings.placementGroupsInFlight;
}

/** Placers of the per-order floor beside `processes` worker processes. */
export function perOrderPlacers(processes: number): number {
  return Math.min(processes * PER_ORDER_PLACERS, 40);
}

/**
 * Placement alone, with 1, 2, 4, 8 worker processes, against the placement statements over as many connections in
 * groups (the group floor) and one transaction per order (the per-order floor).
 */
export async function placementSection({ environment, settings, log, freshCarts, figures }: BenchContext) {
  const { rounds, apiPoolMax, placementGroupMax } = settings;
  const { orders } = settings.workerScaling;
  const scaling = [];
  for (const processes of settings.workerScaling.processes) {
    log(`placement: ${orders} orders, ${processes} worker process(es), best of ${rounds}`);
    environment.rss.phase(`placement, ${processes} worker process(es)`);
    const scaleUsers = users(`scale-${processes}`, orders);
    const pendingOrders = async () => {
      await freshCarts(scaleUsers);
      return acceptAll(environment, scaleUsers, apiPoolMax);
    };
    const transactions = placementTransactions(settings, processes);
    const runs = await inRounds(
      rounds,
      async () => {
        const accepted = await pendingOrders();
        const jobs = accepted.map((orderId, i) => ({ orderId, userId: scaleUsers[i]! }));
        return workerScalingService(environment, jobs, processes);
      },
      async () => ({
        group: await groupPlacementFloor(environment, await pendingOrders(), { transactions, groupSize: placementGroupMax }),
        perOrder: await placementFloor(environment, await pendingOrders(), perOrderPlacers(processes)),
      }),
    );
    await resetData(environment.pool);
    const service = best(runs.service, (run) => run.placedPerSecond);
    const floor = best(runs.floor, (run) => run.group.perSecond).group;
    const perOrderFloor = best(runs.floor, (run) => run.perOrder.perSecond).perOrder;
    scaling.push({ processes, service, floor, perOrderFloor, runs });
  }
  figures['workerScaling'] = scaling;
  return scaling;
}

/**
 * Placement through a transaction-mode PgBouncer (Debian's 1.18): unnamed statements, beside the same floor (that of
 * `placement` with as many processes).
 */
export async function pgBouncerSection(
  { environment, settings, log, freshCarts, figures }: BenchContext,
  placement: Awaited<ReturnType<typeof placementSection>>,
) {
  const { rounds, apiPoolMax } = settings;
  const processes = settings.workerScaling.pgbouncerProcesses;
  const floor = placement.find((entry) => entry.processes === processes)!.floor;
  log(`placement through PgBouncer: ${settings.workerScaling.orders} orders, ${processes} worker process(es), best of ${rounds}`);
  environment.rss.phase('placement through PgBouncer');
  const pgbouncer = await startPgBouncer({ server: serverOf(environment.databaseUrl) });
  const runs: Array<{ placedPerSecond: number }> = [];
  try {
    const pooledUsers = users('pooled', settings.workerScaling.orders);
    for (let round = 0; round < rounds; round += 1) {
      await freshCarts(pooledUsers);
      const accepted = await acceptAll(environment, pooledUsers, apiPoolMax);
      runs.push(
        await workerScalingService(
          environment,
          accepted.map((orderId, i) => ({ orderId, userId: pooledUsers[i]! })),
          processes,
          { DATABASE_URL: pgbouncer.via(environment.databaseUrl), DATABASE_DIRECT_URL: environment.databaseUrl, DB_PREPARED_STATEMENTS: 'false' },
        ),
      );
    }
  } finally {
    await pgbouncer.stop();
    await resetData(environment.pool);
  }
  const pooled = { processes, service: best(runs, (run) => run.placedPerSecond), floor, runs };
  figures['placementThroughPgBouncer'] = pooled;
  return pooled;
}

/**
 * Accepting alone through HAProxy in front of 1, 2 API processes (no worker: the queue keeps the jobs), against the
 * accept statements over as many connections as the API processes have together.
 */
export async function acceptingSection({ environment, settings, log, freshCarts, figures }: BenchContext) {
  const { pool } = environment;
  const { rounds, apiPoolMax } = settings;
  const { checkouts, connections, warmup } = settings.apiScaling;
  const apiScaling = [];
  for (const processes of settings.apiScaling.processes) {
    log(`accepting through HAProxy: ${checkouts} checkouts at ${connections} connections, ${processes} API process(es), best of ${rounds}`);
    environment.rss.phase(`accepting through HAProxy, ${processes} API process(es)`);
    const balanced = await environment.balancedApis(processes);
    try {
      const acceptUsers = users(`accept-${processes}`, checkouts);
      const afresh = async (userIds: string[]) => {
        await resetData(pool);
        await environment.queue.obliterate({ force: true });
        await freshCarts(userIds);
      };
      const service = async (userIds: string[]) => {
        await afresh(userIds);
        const cpu = () => ({ postgres: postgresCpuSeconds(), apis: processesCpuSeconds(balanced.pids.apis), haproxy: processesCpuSeconds(balanced.pids.balancer) });
        const before = cpu();
        const accepted = await checkoutAcceptService(environment, balanced.url, userIds, { connections });
        const after = cpu();
        const msPerCheckout = (key: keyof typeof before) => round(((after[key] - before[key]) * 1000) / userIds.length, 2);
        return { ...accepted, cpuMsPerCheckout: { postgres: msPerCheckout('postgres'), apis: msPerCheckout('apis'), haproxy: msPerCheckout('haproxy') } };
      };
      const floor = async (userIds: string[]) => {
        await afresh(userIds);
        return acceptFloor(environment, userIds, { callers: connections, poolMax: processes * apiPoolMax });
      };
      // the processes started here are cold: a warm-up through HAProxy first, not counted
      const warmUsers = users(`accept-warm-${processes}`, warmup);
      await service(warmUsers);
      await floor(warmUsers);
      const runs = await inRounds(rounds, () => service(acceptUsers), () => floor(acceptUsers));
      apiScaling.push({ processes, service: best(runs.service, (run) => run.perSecond), floor: best(runs.floor, (run) => run.perSecond), runs });
    } finally {
      await balanced.stop();
      await resetData(pool);
      await environment.queue.obliterate({ force: true });
    }
  }
  figures['apiScaling'] = apiScaling;
  return apiScaling;
}

/** Resident memory: each role's peak over the run beside the same process right after it started. */
export function memorySection({ environment, figures }: BenchContext) {
  const api = environment.rss.figures('api')!;
  const worker = environment.rss.figures('worker')!;
  figures['rss'] = { api, worker, peakByMeasurement: environment.rss.peaksByPhase() };
  return { api, worker };
}

/** `userIds` check out in a burst at the burst's connections (through `url`, the API by default), their carts filled first. */
async function burst(bench: BenchContext, userIds: string[], url?: string): Promise<CheckoutBurstFigures> {
  await bench.freshCarts(userIds);
  return checkoutBurstService(bench.environment, userIds, { connections: bench.settings.burst.connections, url });
}

/**
 * `work` against an API and a worker started just now (the worker consuming before `work` begins, as an autoscaled
 * one would be); both stopped after.
 */
async function onNewProcesses<T>(environment: BenchEnvironment, work: (url: string) => Promise<T>): Promise<T> {
  const api = await environment.extraApi('api-new');
  try {
    const workers = await environment.startWorkers(1);
    try {
      return await work(api.url);
    } finally {
      await environment.stopWorkers(workers);
    }
  } finally {
    await api.stop();
  }
}

/**
 * `rounds` runs of the service's measurement and of the floor's, the order
 * alternating from round to round (service first, then floor first, …) so
 * that a drift of the machine does not favour either side.
 */
async function inRounds<S, F>(rounds: number, service: () => Promise<S>, floor: () => Promise<F>): Promise<{ service: S[]; floor: F[] }> {
  const runs = { service: [] as S[], floor: [] as F[] };
  for (let round = 0; round < rounds; round += 1) {
    if (round % 2 === 0) {
      runs.service.push(await service());
      runs.floor.push(await floor());
    } else {
      runs.floor.push(await floor());
      runs.service.push(await service());
    }
  }
  return runs;
}

/** inRounds, each run of either side after `prepare` (which sets its data up afresh). */
function inPreparedRounds<S, F>(rounds: number, prepare: () => Promise<unknown>, service: () => Promise<S>, floor: () => Promise<F>): Promise<{ service: S[]; floor: F[] }> {
  const prepared = <T>(run: () => Promise<T>) => async () => {
    await prepare();
    return run();
  };
  return inRounds(rounds, prepared(service), prepared(floor));
}

/** The PostgreSQL server of a database URL. */
function serverOf(url: string): { host: string; port: number } {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port || 5432) };
}

/** The best run (other work on the machine only ever slows a run down). */
function best<T>(runs: T[], score: (run: T) => number): T {
  return runs.reduce((winner, run) => (score(run) > score(winner) ? run : winner));
}

/** `count` adds of one unit: user after user, each taking its cart's products in turn (new lines first, then merges). */
function cartOperations(catalogue: Catalogue, userIds: string[], count: number, lines: number): CartOperation[] {
  return Array.from({ length: count }, (_, i) => {
    const user = i % userIds.length;
    const round = Math.floor(i / userIds.length);
    return { userId: userIds[user]!, productId: cartProducts(catalogue, user, lines)[round % lines]! };
  });
}
