import os from 'node:os';
import path from 'node:path';
import { ConfigSchema } from '../shared/config/config-schema';
import { workerPoolMax } from '../shared/db/pool-size';
import { checkFloorStatements } from './floors/statement-check';
import { BenchEnvironment } from './harness/environment';
import { createCatalogue, fillCarts, resetData } from './harness/fixtures';
import { commitInfo, machineInfo, writeResults, type BenchResults } from './report/results';
import type { BenchRow } from './report/rows';
import {
  acceptingRows,
  addToCartRow,
  checkoutAtRateRows,
  checkoutEndToEndRows,
  coldStartRows,
  longPollRows,
  memoryRows,
  orderPollRows,
  pgBouncerRow,
  placementRows,
} from './section-rows';
import {
  acceptingSection,
  addToCartSection,
  checkoutAtRateSection,
  coldStartSection,
  endToEndSection,
  firstSecondsSection,
  longPollSection,
  memorySection,
  noRateLimitsSection,
  orderPollSection,
  pgBouncerSection,
  placementSection,
  type BenchContext,
} from './sections';
import { FULL_SETTINGS, QUICK_SETTINGS, type BenchSettings } from './settings';

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
        // these settings in the service processes' base environment (the bench's value, else the service's default);
        // a row measured with another (rate limits off) names it
        env: Object.fromEntries(
          (['NODE_ENV', 'LOG_LEVEL', 'RATE_LIMITS_ENABLED'] as const).map((name) => [
            name,
            environment.serviceEnv[name] ?? String(ConfigSchema.properties[name].default),
          ]),
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

/** Every section in turn (sections.ts), then the table's rows in the table's order (section-rows.ts). */
async function measure(
  environment: BenchEnvironment,
  settings: BenchSettings,
  log: (message: string) => void,
): Promise<{ rows: BenchRow[]; figures: Record<string, unknown>; floorStatements: BenchResults['floorStatements'] }> {
  const { pool } = environment;
  const catalogue = await createCatalogue(pool, settings.products);
  const floorStatements = await checkFloorStatements(environment.databaseUrl, catalogue.productIds[0]!);
  for (const check of floorStatements.filter((c) => !c.matches)) {
    log(`WARNING: the ${check.flow} floor no longer runs the service's statements:\n  ${check.differences.join('\n  ')}`);
  }
  await resetData(pool);
  const bench: BenchContext = {
    environment,
    settings,
    log,
    catalogue,
    freshCarts: async (userIds) => {
      await resetData(pool);
      await fillCarts(pool, catalogue, userIds, settings.cartLines);
    },
    figures: {},
  };

  const cold = await coldStartSection(bench);
  const firstSeconds = await firstSecondsSection(bench);
  const addToCart = await addToCartSection(bench);
  // one worker places from the end-to-end warm-up to the end of the fixed-rate checkouts; an API with rate limits off
  // serves from its end-to-end runs to its order poll. On error, environment.close() stops what is still running
  const endToEnd = await endToEndSection(bench);
  const noRateLimits = await noRateLimitsSection(bench);
  const orderPoll = await orderPollSection(bench, noRateLimits.unlimited);
  const atRate = await checkoutAtRateSection(bench, endToEnd.placingWorker);
  const longPoll = await longPollSection(bench);
  const placement = await placementSection(bench);
  const pgBouncer = await pgBouncerSection(bench, placement);
  const accepting = await acceptingSection(bench);
  const memory = memorySection(bench);

  const rows: BenchRow[] = [
    addToCartRow(settings, addToCart),
    ...checkoutAtRateRows(settings, atRate, firstSeconds),
    ...checkoutEndToEndRows(settings, endToEnd, firstSeconds, noRateLimits),
    ...orderPollRows(settings, orderPoll),
    ...longPollRows(settings, longPoll),
    ...coldStartRows(cold),
    ...memoryRows(memory),
    ...placementRows(settings, placement),
    pgBouncerRow(pgBouncer),
    ...acceptingRows(settings, accepting),
  ];
  return { rows, figures: bench.figures, floorStatements };
}

function loadAverages(): number[] {
  return os.loadavg().map((load) => Math.round(load * 100) / 100);
}
