import { ConfigSchema } from '../shared/config/config-schema';
import { benchRow, type BenchRow } from './report/rows';
import type { BenchSettings } from './settings';
import type { ColdStartFigures } from './service/cold-start';
import type { LongPollFigures } from './service/long-poll';
import {
  PER_ORDER_PLACERS,
  perOrderPlacers,
  placementTransactions,
  type acceptingSection,
  type addToCartSection,
  type checkoutAtRateSection,
  type endToEndSection,
  type firstSecondsSection,
  type memorySection,
  type noRateLimitsSection,
  type orderPollSection,
  type pgBouncerSection,
  type placementSection,
} from './sections';

/**
 * The table's rows, a function per group of rows, from what the sections (sections.ts) resolved with. run-bench.ts
 * lists them in the table's order.
 */

/** What `section` resolved with. */
type Measured<Section extends (...args: never[]) => unknown> = Awaited<ReturnType<Section>>;

const MB = 'MB';

/** Add to cart beside its floor. */
export function addToCartRow(settings: BenchSettings, addToCart: Measured<typeof addToCartSection>): BenchRow {
  const { connections } = settings.addToCart;
  return benchRow({
    id: 'add-to-cart',
    path: `add to cart (POST /api/cart, ${connections} conn.)`,
    unit: 'req/s',
    service: addToCart.service.perSecond,
    floor: addToCart.floor.perSecond,
    floorIs: `the add-to-cart transaction's statements, ${connections} callers over ${settings.apiPoolMax} connections (the API's pool)`,
    better: 'higher',
    target: { kind: 'min-ratio', ratio: 0.5 },
  });
}

/** The 202's latency and placement's at the fixed rate, warm and in the first seconds of new processes (beside the warm floor). */
export function checkoutAtRateRows(
  settings: BenchSettings,
  atRate: Measured<typeof checkoutAtRateSection>,
  firstSeconds: Measured<typeof firstSecondsSection>,
): BenchRow[] {
  const { perSecond, firstSecondsMs } = settings.checkoutRate;
  const rateLabel = `${perSecond}/s offered, 1 worker placing`;
  const acceptFloorIs = `the accept statements at the same offered rate over ${settings.apiPoolMax} connections while ${PER_ORDER_PLACERS} connections place one order per transaction (from scheduled start to commit)`;
  return [
    ...(['p50', 'p99', 'max'] as const).map((stat) =>
      benchRow({
        id: `checkout-202-${stat}`,
        path: `checkout 202 ${stat} (${rateLabel})`,
        unit: 'ms',
        service: atRate.service.latency[stat],
        floor: atRate.floor.latency[stat],
        floorIs: acceptFloorIs,
        better: 'lower',
        target: stat === 'p99' ? { kind: 'max', value: 20 } : null,
      }),
    ),
    benchRow({
      id: 'checkout-202-p99-first-seconds',
      path: `checkout 202 p99 (${perSecond}/s offered for ${firstSecondsMs / 1000} s on an API and a worker started just now)`,
      unit: 'ms',
      service: firstSeconds.rate.latency.p99,
      floor: atRate.floor.latency.p99,
      floorIs: `${acceptFloorIs}; the same floor as the warm row`,
      better: 'lower',
      target: { kind: 'max', value: 100 },
    }),
    benchRow({
      id: 'placement-p99',
      path: `placement p99, from the 202 to the long-poll that shows the order final (${rateLabel})`,
      unit: 'ms',
      service: atRate.service.placement.p99,
      floor: atRate.floor.placement.p99,
      floorIs: `from each accept's commit to its placement's commit, in the floor's own process (${PER_ORDER_PLACERS} connections placing one order per transaction)`,
      better: 'lower',
      target: { kind: 'max', value: 100 },
    }),
    benchRow({
      id: 'placement-p99-first-seconds',
      path: `placement p99, from the 202 to the long-poll that shows the order final (${perSecond}/s for ${firstSecondsMs / 1000} s on an API and a worker started just now)`,
      unit: 'ms',
      service: firstSeconds.rate.placement.p99,
      floor: atRate.floor.placement.p99,
      floorIs: 'the floor of the warm row',
      better: 'lower',
      target: null,
    }),
  ];
}

/** Checkout end to end: warm, the first burst of new processes and rate limits off, beside the warm floors. */
export function checkoutEndToEndRows(
  settings: BenchSettings,
  endToEnd: Measured<typeof endToEndSection>,
  firstSeconds: Measured<typeof firstSecondsSection>,
  noRateLimits: Measured<typeof noRateLimitsSection>,
): BenchRow[] {
  const { checkouts, connections } = settings.burst;
  const floors = { perOrderFloor: endToEnd.floor.placedPerSecond, groupFloor: endToEnd.groupFloor.placedPerSecond };
  return [
    ...endToEndRows({
      id: 'checkout-end-to-end',
      path: `checkout end to end (${checkouts.toLocaleString('en-US')} at ${connections} conn., 1 worker, after a warm-up)`,
      service: endToEnd.service.placedPerSecond,
      ...floors,
    }),
    ...endToEndRows({
      id: 'checkout-end-to-end-first-burst',
      path: `checkout end to end, the first burst of an API and a worker started just now (${checkouts.toLocaleString('en-US')} at ${connections} conn.)`,
      service: firstSeconds.burst.placedPerSecond,
      ...floors,
    }),
    benchRow({
      id: 'checkout-end-to-end-no-rate-limits',
      path: `checkout end to end, rate limits off (RATE_LIMITS_ENABLED=false), after a warm-up`,
      unit: 'placed/s',
      service: noRateLimits.burst.placedPerSecond,
      floor: endToEnd.floor.placedPerSecond,
      floorIs: 'the per-order floor of the end-to-end rows',
      better: 'higher',
      target: null,
    }),
  ];
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

/** Order poll beside its floor, through the API and with rate limits off. */
export function orderPollRows(settings: BenchSettings, orderPoll: Measured<typeof orderPollSection>): BenchRow[] {
  const { connections } = settings.orderPoll;
  const orderReadsInFlight = ConfigSchema.properties.ORDER_READS_IN_FLIGHT.default as number;
  return [
    benchRow({
      id: 'order-poll',
      path: `order poll (GET /api/orders/:id, ${connections} conn.)`,
      unit: 'req/s',
      service: orderPoll.service.perSecond,
      floor: orderPoll.floor.perSecond,
      floorIs: `the order read statement, one per read, ${connections} callers over ${settings.apiPoolMax} connections (the API reads polls that meet while ${orderReadsInFlight} reads run in one statement: ORDER_READS_IN_FLIGHT)`,
      better: 'higher',
      target: { kind: 'min-ratio', ratio: 0.8 },
    }),
    benchRow({
      id: 'order-poll-no-rate-limits',
      path: `order poll, rate limits off (RATE_LIMITS_ENABLED=false)`,
      unit: 'req/s',
      service: orderPoll.noRateLimits.perSecond,
      floor: orderPoll.floor.perSecond,
      floorIs: 'the floor of the order-poll row',
      better: 'higher',
      target: null,
    }),
  ];
}

/** What waiting long-polls cost the database, and how soon all are answered. */
export function longPollRows(settings: BenchSettings, longPoll: LongPollFigures): BenchRow[] {
  const waiters = settings.longPoll.waiters.toLocaleString('en-US');
  return [
    benchRow({
      id: 'long-poll-commits',
      path: `${waiters} long-polls waiting: DB commits/s`,
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
      path: `${waiters} long-polls: time to answer all`,
      unit: 'ms',
      service: longPoll.msToAnswerAll,
      floor: longPoll.msToAllFinal,
      floorIs: 'the time until every order was final in the database (no answer can come sooner)',
      better: 'lower',
      target: null,
    }),
  ];
}

/** A worker's and an API's cold start beside a bare node's. */
export function coldStartRows(cold: ColdStartFigures): BenchRow[] {
  return [
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
  ];
}

/** The API's and the worker's peak resident memory beside each right after it started. */
export function memoryRows(memory: Measured<typeof memorySection>): BenchRow[] {
  return [
    benchRow({
      id: 'rss-api',
      path: 'API resident memory (peak)',
      unit: MB,
      service: Math.round(memory.api.peakMb),
      floor: Math.round(memory.api.atStartMb),
      floorIs: 'the same process right after it started (idle)',
      better: 'lower',
      target: { kind: 'max', value: 150 },
    }),
    benchRow({
      id: 'rss-worker',
      path: 'worker resident memory (peak)',
      unit: MB,
      service: Math.round(memory.worker.peakMb),
      floor: Math.round(memory.worker.atStartMb),
      floorIs: 'the same process right after it started (idle)',
      better: 'lower',
      target: { kind: 'max', value: 150 },
    }),
  ];
}

/** Per number of worker processes: beside the group floor, then beside the per-order floor. */
export function placementRows(settings: BenchSettings, placement: Measured<typeof placementSection>): BenchRow[] {
  const { placementGroupsInFlight, placementGroupMax } = settings;
  return placement.flatMap(({ processes, service, floor, perOrderFloor }) => {
    const path = `placement, ${processes} worker process${processes > 1 ? 'es' : ''} (${settings.workerScaling.orders.toLocaleString('en-US')} orders)`;
    return [
      benchRow({
        id: `placement-${processes}-workers`,
        path,
        unit: 'placed/s',
        service: service.placedPerSecond,
        floor: floor.perSecond,
        floorIs: `the group floor: the placement statements in groups of ${placementGroupMax} (PLACEMENT_GROUP_MAX), ${placementTransactions(settings, processes)} transactions at once (${processes} × PLACEMENT_GROUPS_IN_FLIGHT ${placementGroupsInFlight}), each on its own connection`,
        better: 'higher',
        target: processes === 1 ? { kind: 'min-ratio', ratio: 0.7 } : null,
      }),
      benchRow({
        id: `placement-${processes}-workers-per-order`,
        path: `${path}, beside one transaction per order`,
        unit: 'placed/s',
        service: service.placedPerSecond,
        floor: perOrderFloor.perSecond,
        floorIs: `the per-order floor: the placement statements one order per transaction, ${perOrderPlacers(processes)} at once, each on its own connection (what placing an order per transaction could do at best)`,
        better: 'higher',
        target: processes === 1 ? { kind: 'min-ratio', ratio: 2 } : null,
      }),
    ];
  });
}

/** Placement through PgBouncer beside the direct placement's group floor. */
export function pgBouncerRow(pooled: Measured<typeof pgBouncerSection>): BenchRow {
  return benchRow({
    id: 'placement-pgbouncer',
    path: `placement through PgBouncer (transaction mode, unnamed statements), ${pooled.processes} worker processes`,
    unit: 'placed/s',
    service: pooled.service.placedPerSecond,
    floor: pooled.floor.perSecond,
    floorIs: `the same floor as the direct ${pooled.processes}-process row (prepared statements, no pooler): the row beside it is the direct service`,
    better: 'higher',
    target: null,
  });
}

/** Per number of API processes behind HAProxy: accepting beside the accept statements. */
export function acceptingRows(settings: BenchSettings, accepting: Measured<typeof acceptingSection>): BenchRow[] {
  const { apiPoolMax } = settings;
  const { connections } = settings.apiScaling;
  return accepting.map(({ processes, service, floor }) =>
    benchRow({
      id: `accept-${processes}-apis`,
      path: `checkout accepted (POST /api/checkout → 202, ${connections} conn.) through HAProxy, ${processes} API process${processes > 1 ? 'es' : ''}, no worker`,
      unit: 'req/s',
      service: service.perSecond,
      floor: floor.perSecond,
      floorIs: `the accept statements, ${connections} callers over ${processes * apiPoolMax} connections (${processes} × DB_POOL_MAX ${apiPoolMax})`,
      better: 'higher',
      target: null,
    }),
  );
}
