import { ConfigSchema } from '../shared/config/config-schema';

/**
 * What one bench run does. `npm run bench` uses FULL_SETTINGS (a few minutes
 * on 2 cores); `BENCH_QUICK=1` (and the test) QUICK_SETTINGS: the same code
 * paths with small counts, in seconds — its figures mean nothing.
 */
export interface BenchSettings {
  quick: boolean;
  /** Products in the catalogue (stock never runs out). */
  products: number;
  /** Distinct products in every cart that is checked out. */
  cartLines: number;
  /**
   * Throughput measurements (add to cart, end to end, order poll, placement)
   * run this many times each, service and floor alternating; the best run of
   * each side counts (all are in bench.json).
   */
  rounds: number;
  /** The API's and a worker's settings as `npm run start:*` has them (the service's defaults). */
  apiPoolMax: number;
  workerConcurrency: number;
  /** PLACEMENT_GROUPS_IN_FLIGHT as shipped: a worker's placement transactions at once. */
  placementGroupsInFlight: number;
  /** PLACEMENT_GROUP_MAX as shipped: orders per placement transaction at most. */
  placementGroupMax: number;
  addToCart: { connections: number; warmup: number; requests: number; users: number };
  /**
   * End to end: this many checkouts at `connections`, accept and placement together, until all are final;
   * first `warmup` checkouts the same way, not counted (service and floor alike), so that the measured runs
   * time the code the JIT has compiled, not the compiling.
   */
  burst: { checkouts: number; connections: number; warmup: number };
  orderPoll: { connections: number; warmupMs: number; durationMs: number };
  /** POST /api/checkout offered at a fixed rate while one worker places the orders. */
  /** …and `firstSecondsMs` of it on an API and a worker started just now (what a user meets first). */
  checkoutRate: { perSecond: number; durationMs: number; firstSecondsMs: number };
  /**
   * Long-polls waiting with no worker running: transactions per second over
   * `windowMs`, after `settleMs` (PostgreSQL 15 flushes an idle backend's
   * statistics up to 10 s late, so the window starts after the opening burst
   * has been counted); then a worker places the orders.
   */
  longPoll: { waiters: number; waitSeconds: number; settleMs: number; windowMs: number };
  /** Placement with 1, 2, 4 … worker processes; and with `pgbouncerProcesses` through a transaction-mode PgBouncer. */
  workerScaling: { processes: number[]; orders: number; pgbouncerProcesses: number };
  /** Accepting alone (POST /api/checkout, no worker running) through HAProxy in front of 1, 2 … API processes. */
  apiScaling: { processes: number[]; checkouts: number; connections: number; warmup: number };
}

const defaultOf = (name: 'DB_POOL_MAX' | 'WORKER_CONCURRENCY' | 'PLACEMENT_GROUPS_IN_FLIGHT' | 'PLACEMENT_GROUP_MAX'): number => ConfigSchema.properties[name].default as number;

export const FULL_SETTINGS: BenchSettings = {
  quick: false,
  rounds: 2,
  products: 1_000,
  cartLines: 3,
  apiPoolMax: defaultOf('DB_POOL_MAX'),
  workerConcurrency: defaultOf('WORKER_CONCURRENCY'),
  placementGroupsInFlight: defaultOf('PLACEMENT_GROUPS_IN_FLIGHT'),
  placementGroupMax: defaultOf('PLACEMENT_GROUP_MAX'),
  addToCart: { connections: 64, warmup: 1_000, requests: 10_000, users: 2_000 },
  burst: { checkouts: 3_000, connections: 64, warmup: 3_000 },
  orderPoll: { connections: 50, warmupMs: 2_000, durationMs: 10_000 },
  checkoutRate: { perSecond: 100, durationMs: 20_000, firstSecondsMs: 5_000 },
  longPoll: { waiters: 1_000, waitSeconds: 20, settleMs: 11_000, windowMs: 5_000 },
  workerScaling: { processes: [1, 2, 4, 8], orders: 3_000, pgbouncerProcesses: 2 },
  apiScaling: { processes: [1, 2], checkouts: 3_000, connections: 64, warmup: 1_000 },
};

export const QUICK_SETTINGS: BenchSettings = {
  quick: true,
  rounds: 1,
  products: 100,
  cartLines: 3,
  apiPoolMax: FULL_SETTINGS.apiPoolMax,
  workerConcurrency: FULL_SETTINGS.workerConcurrency,
  placementGroupsInFlight: FULL_SETTINGS.placementGroupsInFlight,
  placementGroupMax: FULL_SETTINGS.placementGroupMax,
  addToCart: { connections: 16, warmup: 50, requests: 300, users: 100 },
  burst: { checkouts: 150, connections: 16, warmup: 50 },
  orderPoll: { connections: 10, warmupMs: 200, durationMs: 1_000 },
  checkoutRate: { perSecond: 100, durationMs: 1_500, firstSecondsMs: 1_000 },
  longPoll: { waiters: 50, waitSeconds: 20, settleMs: 300, windowMs: 1_000 },
  workerScaling: { processes: [1, 2, 4, 8], orders: 100, pgbouncerProcesses: 2 },
  apiScaling: { processes: [1, 2], checkouts: 150, connections: 16, warmup: 50 },
};
