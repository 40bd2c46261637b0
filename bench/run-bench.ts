import os from 'node:os';
import path from 'node:path';
import { ConfigSchema } from '../shared/config/config-schema';
import { workerPoolMax } from '../shared/db/pool-size';
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
import { checkFloorStatements } from './floors/statement-check';
import { startPgBouncer } from '../deploy/local/pgbouncer';
import { postgresCpuSeconds, processesCpuSeconds } from './harness/cpu';
import { BenchEnvironment } from './harness/environment';
import { round } from './harness/stats';
import { cartProducts, createCatalogue, fillCarts, resetData, users, type Catalogue } from './harness/fixtures';
import { commitInfo, machineInfo, writeResults, type BenchResults } from './report/results';
import { benchRow, type BenchRow } from './report/rows';
import { FULL_SETTINGS, QUICK_SETTINGS, type BenchSettings } from './settings';
import { addToCartService } from './service/add-to-cart';
import { checkoutAcceptService, checkoutBurstService, checkoutRateService } from './service/checkout';
import { coldStart } from './service/cold-start';
import { longPollService } from './service/long-poll';
import { orderPollService } from './service/order-poll';
import { workerScalingService } from './service/worker-scaling';

export interface BenchOptions {
  /** Small counts, same code paths: seconds instead of minutes (its figures mean nothing). */
  quick?: boolean;
  /** Where bench.json and bench.svg are written: bench/results for a full run, a temporary folder for a quick one. */
  outDir?: string;
  /**
   * How the service processes run: `compiled` (the default) builds dist/ and runs it as `npm run start:api` /
   * `start:worker` do; `sources` runs the TypeScript through tsx, as `npm run dev` does (no build).
   */
  runtime?: 'compiled' | 'sources';
  /** postgres://user@host:port; the bench creates and drops a database of its own there. */
  pgServerUrl?: string;
  redisUrl?: string;
  log?: (message: string) => void;
  /**
   * Aborting ends the run early: its processes are stopped and its connections closed at once (the measurement in
   * flight then fails), and the run rejects once its environment is gone — e.g. a test that timed out stops the run
   * it no longer waits for, instead of leaving it running in the test runner's process.
   */
  signal?: AbortSignal;
}

const MB = 'MB';

/**
 * `npm run bench`: each hot path of the service next to its floor — the same
 * SQL as node-postgres prepared statements, no HTTP, no ORM — on this
 * machine, with the real API and worker processes, the local PostgreSQL and
 * Redis. Targets are reported, never enforced.
 */
export async function runBench(options: BenchOptions = {}): Promise<{ results: BenchResults; files: { json: string; svg: string } }> {
  const settings = options.quick ? QUICK_SETTINGS : FULL_SETTINGS;
  const log = options.log ?? (() => undefined);
  const began = performance.now();
  const loadAtStart = loadAverages();
  const runtime = options.runtime ?? 'compiled';
  const environment = await BenchEnvironment.start({
    runtime,
    pgServerUrl: options.pgServerUrl ?? 'postgres://postgres@127.0.0.1:5432',
    redisUrl: options.redisUrl ?? 'redis://127.0.0.1:6379',
    log,
  });
  const abort = () => void environment.close().catch(() => undefined);
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    options.signal?.throwIfAborted();
    const { rows, figures, floorStatements } = await measure(environment, settings, log);
    const [{ rows: pg }, redisInfo] = await Promise.all([
      environment.pool.query<{ server_version: string }>('SHOW server_version'),
      environment.redis.info('server'),
    ]);
    const results: BenchResults = {
      at: new Date().toISOString(),
      quick: settings.quick,
      durationSeconds: Math.round((performance.now() - began) / 1000),
      commit: commitInfo(),
      machine: machineInfo(pg[0]!.server_version, /redis_version:(\S+)/.exec(redisInfo)?.[1] ?? 'unknown'),
      // other work on the machine makes every figure noisier: the 1/5/15-minute load averages before and after
      loadAverage: { atStart: loadAtStart, atEnd: loadAverages() },
      settings,
      service: {
        runtime,
        env: Object.fromEntries(
          Object.entries(environment.serviceEnv).filter(([name]) => ['NODE_ENV', 'LOG_LEVEL', 'RATE_LIMITS_ENABLED'].includes(name)),
        ),
        apiPoolMax: settings.apiPoolMax,
        workerConcurrency: settings.workerConcurrency,
        workerPoolMax: workerPoolMax({ DB_POOL_MAX: settings.apiPoolMax, PLACEMENT_GROUPS_IN_FLIGHT: settings.placementGroupsInFlight }),
      },
      floorStatements,
      rows,
      figures,
    };
    const outDir =
      options.outDir ?? (settings.quick ? path.join(os.tmpdir(), 'checkout-bench-quick') : path.resolve(__dirname, 'results'));
    return { results, files: writeResults(outDir, results) };
  } finally {
    options.signal?.removeEventListener('abort', abort);
    await environment.close();
  }
}

async function measure(
  environment: BenchEnvironment,
  settings: BenchSettings,
  log: (message: string) => void,
): Promise<{ rows: BenchRow[]; figures: Record<string, unknown>; floorStatements: BenchResults['floorStatements'] }> {
  const { pool } = environment;
  const { apiPoolMax, cartLines } = settings;
  const maxLines = ConfigSchema.properties.CART_MAX_LINES.default as number;
  const orderReadsInFlight = ConfigSchema.properties.ORDER_READS_IN_FLIGHT.default as number;
  const figures: Record<string, unknown> = {};

  const catalogue = await createCatalogue(pool, settings.products);
  const floorStatements = await checkFloorStatements(environment.databaseUrl, catalogue.productIds[0]!);
  for (const check of floorStatements.filter((c) => !c.matches)) {
    log(`WARNING: the ${check.flow} floor no longer runs the service's statements:\n  ${check.differences.join('\n  ')}`);
  }
  await resetData(pool);

  const { rounds } = settings;
  /** Empties orders and carts, then gives each of `userIds` a cart of `cartLines` products. */
  const freshCarts = async (userIds: string[]) => {
    await resetData(pool);
    await fillCarts(pool, catalogue, userIds, cartLines);
  };

  // cold start: what an autoscaler adding a process waits for (the first thing a user of a new process meets)
  log('cold start: a worker spawned while a job waits, an API spawned');
  const coldUsers = users('cold', 1);
  await freshCarts(coldUsers);
  const [coldOrderId] = await acceptAll(environment, coldUsers, 1);
  const cold = await coldStart(environment, { orderId: coldOrderId!, userId: coldUsers[0]! });
  await resetData(pool);
  figures['coldStart'] = cold;

  // what a user meets first: an API and a worker started just now, with the shipped defaults, no warm-up — checkouts
  // offered at a fixed rate in their first seconds, then (on another new pair) a first burst
  const { perSecond, durationMs: rateMs, firstSecondsMs } = settings.checkoutRate;
  const { checkouts, connections: burstConnections, warmup: burstWarmup } = settings.burst;
  const groupFloorOf = (placers: number) => ({ placers, placePoolMax: placers, groupSize: settings.placementGroupMax });
  log(`first seconds after start: checkouts at ${perSecond}/s for ${firstSecondsMs} ms, then a first burst of ${checkouts}, on new processes`);
  environment.rss.phase('first seconds after start');
  const firstRateUsers = users('first-rate', Math.round((perSecond * firstSecondsMs) / 1000));
  await freshCarts(firstRateUsers);
  const firstRate = await onNewProcesses(environment, (url) => checkoutRateService(environment, firstRateUsers, { perSecond, url }));
  const firstBurstUsers = users('first-burst', checkouts);
  await freshCarts(firstBurstUsers);
  const firstBurst = await onNewProcesses(environment, (url) => checkoutBurstService(environment, firstBurstUsers, { connections: burstConnections, url }));
  await resetData(pool);
  figures['firstSeconds'] = { rate: firstRate, burst: firstBurst };

  // add to cart: the same operations through the API and as the floor
  const { connections: cartConnections, warmup, requests, users: cartUserCount } = settings.addToCart;
  log(`add to cart: ${requests} at ${cartConnections} connections, best of ${rounds}`);
  environment.rss.phase('add to cart');
  const warmOps = cartOperations(catalogue, users('cart-warm', Math.min(cartUserCount, warmup)), warmup, cartLines);
  const cartOps = cartOperations(catalogue, users('cart', cartUserCount), requests, cartLines);
  const floorOptions = { callers: cartConnections, poolMax: apiPoolMax, maxLines };
  await addToCartService(environment, warmOps, { connections: cartConnections });
  await addToCartFloor(environment, warmOps, floorOptions);
  const cartRuns = await inRounds(
    rounds,
    async () => {
      await resetData(pool);
      return addToCartService(environment, cartOps, { connections: cartConnections });
    },
    async () => {
      await resetData(pool);
      return addToCartFloor(environment, cartOps, floorOptions);
    },
  );
  await resetData(pool);
  const cartService = best(cartRuns.service, (run) => run.perSecond);
  const cartFloor = best(cartRuns.floor, (run) => run.perSecond);
  figures['addToCart'] = { service: cartService, floor: cartFloor, runs: cartRuns };

  // checkout end to end: a burst of checkouts while one worker places them, beside the per-order floor (one order per
  // transaction) and the group floor (groups as the worker makes them). That worker runs from the end-to-end warm-up
  // to the end of the fixed-rate checkouts (idle during the order poll), so what those measure is a worker whose code the
  // JIT has compiled, as in a service that runs; on error, environment.close() stops it
  log(`checkout end to end: ${checkouts} at ${burstConnections} connections, 1 worker, best of ${rounds} (after ${burstWarmup} not counted)`);
  environment.rss.phase('checkout end to end');
  const burstFloorOptions = { callers: burstConnections, acceptPoolMax: apiPoolMax, placers: PER_ORDER_PLACERS, placePoolMax: PER_ORDER_PLACERS };
  const acceptGroups = {
    inFlight: ConfigSchema.properties.CHECKOUT_ACCEPTS_IN_FLIGHT.default as number,
    max: ConfigSchema.properties.CHECKOUT_ACCEPT_GROUP_MAX.default as number,
  };
  const burstGroupFloorOptions = { ...burstFloorOptions, ...groupFloorOf(settings.placementGroupsInFlight), acceptGroups };
  const burstService = async (userIds: string[], url?: string) => {
    await freshCarts(userIds);
    return checkoutBurstService(environment, userIds, { connections: burstConnections, url });
  };
  const burstFloors = async (userIds: string[]) => {
    await freshCarts(userIds);
    const perOrder = await checkoutBurstFloor(environment, userIds, burstFloorOptions);
    await freshCarts(userIds);
    return { perOrder, group: await checkoutBurstFloor(environment, userIds, burstGroupFloorOptions) };
  };
  const burstUsers = users('burst', checkouts);
  const placingWorker = await environment.startWorkers(1);
  const warmUsers = users('burst-warm', burstWarmup);
  await burstService(warmUsers);
  await burstFloors(warmUsers);
  const burstRuns = await inRounds(rounds, () => burstService(burstUsers), () => burstFloors(burstUsers));
  const burstBest = {
    service: best(burstRuns.service, (run) => run.placedPerSecond),
    floor: best(burstRuns.floor, (run) => run.perOrder.placedPerSecond).perOrder,
    groupFloor: best(burstRuns.floor, (run) => run.group.placedPerSecond).group,
  };
  figures['checkoutEndToEnd'] = { warmup: burstWarmup, ...burstBest, runs: burstRuns };

  // the same through an API with rate limits off (the shipped default is on), warmed the same way
  log('checkout end to end and order poll through an API with rate limits off');
  const unlimited = await environment.extraApi('api-no-rate-limits', { RATE_LIMITS_ENABLED: 'false' });
  let unlimitedBurst: Awaited<ReturnType<typeof burstService>>;
  try {
    await burstService(users('burst-warm-unlimited', burstWarmup), unlimited.url);
    const unlimitedRuns: Array<Awaited<ReturnType<typeof burstService>>> = [];
    for (let round = 0; round < rounds; round += 1) unlimitedRuns.push(await burstService(burstUsers, unlimited.url));
    unlimitedBurst = best(unlimitedRuns, (run) => run.placedPerSecond);
  } catch (error) {
    await unlimited.stop();
    throw error;
  }
  figures['checkoutEndToEndNoRateLimits'] = unlimitedBurst;

  // order poll, on the orders the last burst placed
  const { connections: pollConnections, durationMs: pollMs, warmupMs: pollWarmupMs } = settings.orderPoll;
  log(`order poll: ${pollConnections} connections for ${pollMs} ms, best of ${rounds}`);
  environment.rss.phase('order poll');
  const { rows: placedOrders } = await pool.query<{ id: string; userId: string }>(
    `SELECT id, user_id AS "userId" FROM orders WHERE status = 'placed' ORDER BY id`,
  );
  const pollRuns = await inRounds(
    rounds,
    () => orderPollService(environment, placedOrders, { connections: pollConnections, durationMs: pollMs, warmupMs: pollWarmupMs }),
    () =>
      orderPollFloor(environment, placedOrders, { callers: pollConnections, poolMax: apiPoolMax, durationMs: pollMs, warmupMs: pollWarmupMs }),
  );
  const pollOptions = { connections: pollConnections, durationMs: pollMs, warmupMs: pollWarmupMs };
  let unlimitedPoll: Awaited<ReturnType<typeof orderPollService>>;
  try {
    unlimitedPoll = await orderPollService(environment, placedOrders, { ...pollOptions, url: unlimited.url });
  } finally {
    await unlimited.stop();
  }
  await resetData(pool);
  const pollService = best(pollRuns.service, (run) => run.perSecond);
  const pollFloor = best(pollRuns.floor, (run) => run.perSecond);
  figures['orderPollNoRateLimits'] = unlimitedPoll;
  figures['orderPoll'] = { orders: placedOrders.length, service: pollService, floor: pollFloor, runs: pollRuns };

  // checkout at a fixed offered rate while the worker places: rounds of one long run each (percentiles need the
  // samples), the lowest p99 of each side counts, as the best throughput does elsewhere
  log(`checkout at ${perSecond}/s for ${rateMs} ms, 1 worker placing, best of ${rounds}`);
  environment.rss.phase('checkout at a fixed rate');
  const rateUsers = users('rate', Math.round((perSecond * rateMs) / 1000));
  const rateFloorOptions = { perSecond, acceptPoolMax: apiPoolMax, placers: PER_ORDER_PLACERS, placePoolMax: PER_ORDER_PLACERS };
  const rateRuns = await inRounds(
    rounds,
    async () => {
      await freshCarts(rateUsers);
      return checkoutRateService(environment, rateUsers, { perSecond });
    },
    async () => {
      await freshCarts(rateUsers);
      return checkoutRateFloor(environment, rateUsers, rateFloorOptions);
    },
  );
  await environment.stopWorkers(placingWorker);
  await resetData(pool);
  const rateService = best(rateRuns.service, (run) => -run.latency.p99);
  const rateFloor = best(rateRuns.floor, (run) => -run.latency.p99);
  figures['checkoutAtRate'] = { service: rateService, floor: rateFloor, runs: rateRuns };

  // long-polls: what waiting costs the database, and how soon all hear of their order
  const { waiters } = settings.longPoll;
  log(`long-poll: ${waiters} waiters`);
  environment.rss.phase('long-poll');
  const waitingUsers = users('long-poll', waiters);
  await fillCarts(pool, catalogue, waitingUsers, cartLines);
  const longPoll = await longPollService(environment, waitingUsers, settings.longPoll);
  await resetData(pool);
  figures['longPoll'] = longPoll;

  // placement alone, with 1, 2, 4, 8 worker processes, against the placement statements over as many connections in
  // groups (the group floor) and one transaction per order (the per-order floor)
  const scaling: Array<{ processes: number; service: unknown; floor: unknown; perOrderFloor: unknown; runs: unknown }> = [];
  const scalingRows: BenchRow[] = [];
  const { placementGroupsInFlight, placementGroupMax } = settings;
  for (const processes of settings.workerScaling.processes) {
    const { orders } = settings.workerScaling;
    log(`placement: ${orders} orders, ${processes} worker process(es), best of ${rounds}`);
    environment.rss.phase(`placement, ${processes} worker process(es)`);
    const scaleUsers = users(`scale-${processes}`, orders);
    const pendingOrders = async () => {
      await freshCarts(scaleUsers);
      return acceptAll(environment, scaleUsers, apiPoolMax);
    };
    const transactions = processes * placementGroupsInFlight;
    const perOrderPlacers = Math.min(processes * PER_ORDER_PLACERS, 40);
    const runs = await inRounds(
      rounds,
      async () => {
        const accepted = await pendingOrders();
        const jobs = accepted.map((orderId, i) => ({ orderId, userId: scaleUsers[i]! }));
        return workerScalingService(environment, jobs, processes);
      },
      async () => ({
        group: await groupPlacementFloor(environment, await pendingOrders(), { transactions, groupSize: placementGroupMax }),
        perOrder: await placementFloor(environment, await pendingOrders(), perOrderPlacers),
      }),
    );
    await resetData(pool);
    const service = best(runs.service, (run) => run.placedPerSecond);
    const floor = best(runs.floor, (run) => run.group.perSecond).group;
    const perOrderFloor = best(runs.floor, (run) => run.perOrder.perSecond).perOrder;
    scaling.push({ processes, service, floor, perOrderFloor, runs });
    const path = `placement, ${processes} worker process${processes > 1 ? 'es' : ''} (${orders.toLocaleString('en-US')} orders)`;
    scalingRows.push(
      benchRow({
        id: `placement-${processes}-workers`,
        path,
        unit: 'placed/s',
        service: service.placedPerSecond,
        floor: floor.perSecond,
        floorIs: `the group floor: the placement statements in groups of ${placementGroupMax} (PLACEMENT_GROUP_MAX), ${transactions} transactions at once (${processes} × PLACEMENT_GROUPS_IN_FLIGHT ${placementGroupsInFlight}), each on its own connection`,
        better: 'higher',
        target: processes === 1 ? { kind: 'min-ratio', ratio: 0.7 } : null,
      }),
      benchRow({
        id: `placement-${processes}-workers-per-order`,
        path: `${path}, beside one transaction per order`,
        unit: 'placed/s',
        service: service.placedPerSecond,
        floor: perOrderFloor.perSecond,
        floorIs: `the per-order floor: the placement statements one order per transaction, ${perOrderPlacers} at once, each on its own connection (what placing an order per transaction could do at best)`,
        better: 'higher',
        target: processes === 1 ? { kind: 'min-ratio', ratio: 2 } : null,
      }),
    );
  }
  figures['workerScaling'] = scaling;

  // placement through a transaction-mode PgBouncer (Debian's 1.18): unnamed statements, beside the same floor
  const pooledProcesses = settings.workerScaling.pgbouncerProcesses;
  const pooledFloor = scaling.find((entry) => entry.processes === pooledProcesses)!.floor as { perSecond: number };
  log(`placement through PgBouncer: ${settings.workerScaling.orders} orders, ${pooledProcesses} worker process(es), best of ${rounds}`);
  environment.rss.phase('placement through PgBouncer');
  const pgbouncer = await startPgBouncer({ server: serverOf(environment.databaseUrl) });
  const pooledRuns: Array<{ placedPerSecond: number }> = [];
  try {
    const pooledUsers = users('pooled', settings.workerScaling.orders);
    for (let round = 0; round < rounds; round += 1) {
      await freshCarts(pooledUsers);
      const accepted = await acceptAll(environment, pooledUsers, apiPoolMax);
      pooledRuns.push(
        await workerScalingService(
          environment,
          accepted.map((orderId, i) => ({ orderId, userId: pooledUsers[i]! })),
          pooledProcesses,
          { DATABASE_URL: pgbouncer.via(environment.databaseUrl), DATABASE_DIRECT_URL: environment.databaseUrl, DB_PREPARED_STATEMENTS: 'false' },
        ),
      );
    }
  } finally {
    await pgbouncer.stop();
    await resetData(pool);
  }
  const pooled = best(pooledRuns, (run) => run.placedPerSecond);
  figures['placementThroughPgBouncer'] = { processes: pooledProcesses, service: pooled, floor: pooledFloor, runs: pooledRuns };
  scalingRows.push(
    benchRow({
      id: 'placement-pgbouncer',
      path: `placement through PgBouncer (transaction mode, unnamed statements), ${pooledProcesses} worker processes`,
      unit: 'placed/s',
      service: pooled.placedPerSecond,
      floor: pooledFloor.perSecond,
      floorIs: `the same floor as the direct ${pooledProcesses}-process row (prepared statements, no pooler): the row beside it is the direct service`,
      better: 'higher',
      target: null,
    }),
  );

  // accepting alone through HAProxy in front of 1, 2 API processes (no worker: the queue keeps the jobs), against
  // the accept statements over as many connections as the API processes have together
  const apiScaling: Array<{ processes: number; service: unknown; floor: unknown; runs: unknown }> = [];
  const { checkouts: acceptCheckouts, connections: acceptConnections, warmup: acceptWarmup } = settings.apiScaling;
  for (const processes of settings.apiScaling.processes) {
    log(`accepting through HAProxy: ${acceptCheckouts} checkouts at ${acceptConnections} connections, ${processes} API process(es), best of ${rounds}`);
    environment.rss.phase(`accepting through HAProxy, ${processes} API process(es)`);
    const balanced = await environment.balancedApis(processes);
    try {
      const acceptUsers = users(`accept-${processes}`, acceptCheckouts);
      const afresh = async (userIds: string[]) => {
        await resetData(pool);
        await environment.queue.obliterate({ force: true });
        await freshCarts(userIds);
      };
      const service = async (userIds: string[]) => {
        await afresh(userIds);
        const cpu = () => ({ postgres: postgresCpuSeconds(), apis: processesCpuSeconds(balanced.pids.apis), haproxy: processesCpuSeconds(balanced.pids.balancer) });
        const before = cpu();
        const figures = await checkoutAcceptService(environment, balanced.url, userIds, { connections: acceptConnections });
        const after = cpu();
        const msPerCheckout = (key: keyof typeof before) => round(((after[key] - before[key]) * 1000) / userIds.length, 2);
        return { ...figures, cpuMsPerCheckout: { postgres: msPerCheckout('postgres'), apis: msPerCheckout('apis'), haproxy: msPerCheckout('haproxy') } };
      };
      const floor = async (userIds: string[]) => {
        await afresh(userIds);
        return acceptFloor(environment, userIds, { callers: acceptConnections, poolMax: processes * apiPoolMax });
      };
      // the processes started here are cold: a warm-up through HAProxy first, not counted
      const warmUsers = users(`accept-warm-${processes}`, acceptWarmup);
      await service(warmUsers);
      await floor(warmUsers);
      const runs = await inRounds(rounds, () => service(acceptUsers), () => floor(acceptUsers));
      const best202 = best(runs.service, (run) => run.perSecond);
      const bestFloor = best(runs.floor, (run) => run.perSecond);
      apiScaling.push({ processes, service: best202, floor: bestFloor, runs });
      scalingRows.push(
        benchRow({
          id: `accept-${processes}-apis`,
          path: `checkout accepted (POST /api/checkout → 202, ${acceptConnections} conn.) through HAProxy, ${processes} API process${processes > 1 ? 'es' : ''}, no worker`,
          unit: 'req/s',
          service: best202.perSecond,
          floor: bestFloor.perSecond,
          floorIs: `the accept statements, ${acceptConnections} callers over ${processes * apiPoolMax} connections (${processes} × DB_POOL_MAX ${apiPoolMax})`,
          better: 'higher',
          target: null,
        }),
      );
    } finally {
      await balanced.stop();
      await resetData(pool);
      await environment.queue.obliterate({ force: true });
    }
  }
  figures['apiScaling'] = apiScaling;

  const apiRss = environment.rss.figures('api')!;
  const workerRss = environment.rss.figures('worker')!;
  figures['rss'] = { api: apiRss, worker: workerRss, peakByMeasurement: environment.rss.peaksByPhase() };

  const rateLabel = `${perSecond}/s offered, 1 worker placing`;
  const acceptFloorIs = `the accept statements at the same offered rate over ${apiPoolMax} connections while ${PER_ORDER_PLACERS} connections place one order per transaction (from scheduled start to commit)`;
  const rows: BenchRow[] = [
    benchRow({
      id: 'add-to-cart',
      path: `add to cart (POST /api/cart, ${cartConnections} conn.)`,
      unit: 'req/s',
      service: cartService.perSecond,
      floor: cartFloor.perSecond,
      floorIs: `the add-to-cart transaction's statements, ${cartConnections} callers over ${apiPoolMax} connections (the API's pool)`,
      better: 'higher',
      target: { kind: 'min-ratio', ratio: 0.5 },
    }),
    ...(['p50', 'p99', 'max'] as const).map((stat) =>
      benchRow({
        id: `checkout-202-${stat}`,
        path: `checkout 202 ${stat} (${rateLabel})`,
        unit: 'ms',
        service: rateService.latency[stat],
        floor: rateFloor.latency[stat],
        floorIs: acceptFloorIs,
        better: 'lower',
        target: stat === 'p99' ? { kind: 'max', value: 20 } : null,
      }),
    ),
    benchRow({
      id: 'checkout-202-p99-first-seconds',
      path: `checkout 202 p99 (${perSecond}/s offered for ${firstSecondsMs / 1000} s on an API and a worker started just now)`,
      unit: 'ms',
      service: firstRate.latency.p99,
      floor: rateFloor.latency.p99,
      floorIs: `${acceptFloorIs}; the same floor as the warm row`,
      better: 'lower',
      target: { kind: 'max', value: 100 },
    }),
    benchRow({
      id: 'placement-p99',
      path: `placement p99, from the 202 to the long-poll that shows the order final (${rateLabel})`,
      unit: 'ms',
      service: rateService.placement.p99,
      floor: rateFloor.placement.p99,
      floorIs: `from each accept's commit to its placement's commit, in the floor's own process (${PER_ORDER_PLACERS} connections placing one order per transaction)`,
      better: 'lower',
      target: { kind: 'max', value: 100 },
    }),
    benchRow({
      id: 'placement-p99-first-seconds',
      path: `placement p99, from the 202 to the long-poll that shows the order final (${perSecond}/s for ${firstSecondsMs / 1000} s on an API and a worker started just now)`,
      unit: 'ms',
      service: firstRate.placement.p99,
      floor: rateFloor.placement.p99,
      floorIs: 'the floor of the warm row',
      better: 'lower',
      target: null,
    }),
    ...endToEndRows({
      id: 'checkout-end-to-end',
      path: `checkout end to end (${checkouts.toLocaleString('en-US')} at ${burstConnections} conn., 1 worker, after a warm-up)`,
      service: burstBest.service.placedPerSecond,
      perOrderFloor: burstBest.floor.placedPerSecond,
      groupFloor: burstBest.groupFloor.placedPerSecond,
    }),
    ...endToEndRows({
      id: 'checkout-end-to-end-first-burst',
      path: `checkout end to end, the first burst of an API and a worker started just now (${checkouts.toLocaleString('en-US')} at ${burstConnections} conn.)`,
      service: firstBurst.placedPerSecond,
      perOrderFloor: burstBest.floor.placedPerSecond,
      groupFloor: burstBest.groupFloor.placedPerSecond,
    }),
    benchRow({
      id: 'checkout-end-to-end-no-rate-limits',
      path: `checkout end to end, rate limits off (RATE_LIMITS_ENABLED=false), after a warm-up`,
      unit: 'placed/s',
      service: unlimitedBurst.placedPerSecond,
      floor: burstBest.floor.placedPerSecond,
      floorIs: 'the per-order floor of the end-to-end rows',
      better: 'higher',
      target: null,
    }),
    benchRow({
      id: 'order-poll',
      path: `order poll (GET /api/orders/:id, ${pollConnections} conn.)`,
      unit: 'req/s',
      service: pollService.perSecond,
      floor: pollFloor.perSecond,
      floorIs: `the order read statement, one per read, ${pollConnections} callers over ${apiPoolMax} connections (the API reads polls that meet while ${orderReadsInFlight} reads run in one statement: ORDER_READS_IN_FLIGHT)`,
      better: 'higher',
      target: { kind: 'min-ratio', ratio: 0.8 },
    }),
    benchRow({
      id: 'order-poll-no-rate-limits',
      path: `order poll, rate limits off (RATE_LIMITS_ENABLED=false)`,
      unit: 'req/s',
      service: unlimitedPoll.perSecond,
      floor: pollFloor.perSecond,
      floorIs: 'the floor of the order-poll row',
      better: 'higher',
      target: null,
    }),
    benchRow({
      id: 'long-poll-commits',
      path: `${waiters.toLocaleString('en-US')} long-polls waiting: DB commits/s`,
      unit: 'commits/s',
      service: longPoll.transactionsPerSecond,
      floor: null,
      floorIs:
        'none: waiting should cost no queries (pg_stat_database.xact_commit, which PostgreSQL 15 updates at once only for transactions that touch a table; bench.json adds the statements seen in pg_stat_activity)',
      better: 'lower',
      target: null,
    }),
    benchRow({
      id: 'long-poll-answers',
      path: `${waiters.toLocaleString('en-US')} long-polls: time to answer all`,
      unit: 'ms',
      service: longPoll.msToAnswerAll,
      floor: longPoll.msToAllFinal,
      floorIs: 'the time until every order was final in the database (no answer can come sooner)',
      better: 'lower',
      target: null,
    }),
    benchRow({
      id: 'worker-cold-start',
      path: 'worker: spawned to its first order placed (a job waiting)',
      unit: 'ms',
      service: cold.workerMsToFirstJob,
      floor: cold.nodeMsToExit,
      floorIs: 'a bare `node -e 0` with the same flags, spawned to exit',
      better: 'lower',
      target: { kind: 'max', value: 2_000 },
    }),
    benchRow({
      id: 'api-cold-start',
      path: 'API: spawned to its first answer (GET /)',
      unit: 'ms',
      service: cold.apiMsToFirstAnswer,
      floor: cold.nodeMsToExit,
      floorIs: 'a bare `node -e 0` with the same flags, spawned to exit',
      better: 'lower',
      target: null,
    }),
    benchRow({
      id: 'rss-api',
      path: 'API resident memory (peak)',
      unit: MB,
      service: Math.round(apiRss.peakMb),
      floor: Math.round(apiRss.atStartMb),
      floorIs: 'the same process right after it started (idle)',
      better: 'lower',
      target: { kind: 'max', value: 150 },
    }),
    benchRow({
      id: 'rss-worker',
      path: 'worker resident memory (peak)',
      unit: MB,
      service: Math.round(workerRss.peakMb),
      floor: Math.round(workerRss.atStartMb),
      floorIs: 'the same process right after it started (idle)',
      better: 'lower',
      target: { kind: 'max', value: 150 },
    }),
    ...scalingRows,
  ];
  return { rows, figures, floorStatements };
}

/**
 * An end-to-end figure beside both floors: the per-order floor (accept and placement statements, one order per
 * placement transaction) and the group floor (accept and placement in groups, as the API and the worker group them).
 */
function endToEndRows({ id, path, service, perOrderFloor, groupFloor }: { id: string; path: string; service: number; perOrderFloor: number; groupFloor: number }): BenchRow[] {
  return [
    benchRow({
      id,
      path,
      unit: 'placed/s',
      service,
      floor: perOrderFloor,
      floorIs: `the per-order floor: accept statements over the API's connections and placement statements one order per transaction (${PER_ORDER_PLACERS} at once) together, until all are placed`,
      better: 'higher',
      target: { kind: 'min-ratio', ratio: 2 },
    }),
    benchRow({
      id: `${id}-group-floor`,
      path: `${path}, beside the group floor`,
      unit: 'placed/s',
      service,
      floor: groupFloor,
      floorIs:
        'the group floor: the accept statements in groups (the checkouts that come while CHECKOUT_ACCEPTS_IN_FLIGHT accepts run, up to CHECKOUT_ACCEPT_GROUP_MAX in one transaction) while the placement statements place what was accepted in groups (PLACEMENT_GROUP_MAX), PLACEMENT_GROUPS_IN_FLIGHT at once',
      better: 'higher',
      target: { kind: 'min-ratio', ratio: 0.7 },
    }),
  ];
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

/** Per-order placements at once per worker process in the per-order floor (the old WORKER_CONCURRENCY default). */
const PER_ORDER_PLACERS = 5;

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

/** The PostgreSQL server of a database URL. */
function serverOf(url: string): { host: string; port: number } {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port || 5432) };
}

/** The best run (other work on the machine only ever slows a run down). */
function best<T>(runs: T[], score: (run: T) => number): T {
  return runs.reduce((winner, run) => (score(run) > score(winner) ? run : winner));
}

function loadAverages(): number[] {
  return os.loadavg().map((load) => Math.round(load * 100) / 100);
}

/** `count` adds of one unit: user after user, each taking its cart's products in turn (new lines first, then merges). */
function cartOperations(catalogue: Catalogue, userIds: string[], count: number, lines: number): CartOperation[] {
  return Array.from({ length: count }, (_, i) => {
    const user = i % userIds.length;
    const round = Math.floor(i / userIds.length);
    return { userId: userIds[user]!, productId: cartProducts(catalogue, user, lines)[round % lines]! };
  });
}
