import { randomUUID } from 'node:crypto';
import type { BenchEnvironment } from '../harness/environment';
import { CHECKOUT_BODY, ordersByStatus, untilOrdersFinal } from '../harness/fixtures';
import { runOpenLoop } from '../harness/open-loop';
import { summarize, type LatencySummary, type Throughput } from '../harness/stats';
import { HttpClient } from './http-client';
import { closedLoop } from './load';

/** Orders must all be final within this long after the last checkout. */
const PLACEMENT_TIMEOUT_MS = 600_000;

export interface CheckoutBurstFigures {
  checkouts: number;
  /** From the first POST /api/checkout until every order was final. */
  seconds: number;
  placedPerSecond: number;
  /** The POST /api/checkout side alone. */
  accept: Throughput & { statuses: Record<string, number> };
  orders: Record<string, number>;
}

/**
 * Checkout end to end: every user checks out once (`connections` at once,
 * each with its own Idempotency-Key) while the running workers place the
 * orders; the clock stops when every order is final.
 */
export async function checkoutBurstService(
  environment: BenchEnvironment,
  userIds: string[],
  { connections, url = environment.baseUrl }: { connections: number; url?: string },
): Promise<CheckoutBurstFigures> {
  for (const userId of userIds) environment.token(userId);
  const start = performance.now();
  const accept = await checkoutAcceptService(environment, url, userIds, { connections });
  // a checkout that was not answered 202 made no order
  const end = await untilOrdersFinal(environment.pool, accept.statuses['202'] ?? 0, PLACEMENT_TIMEOUT_MS);
  const seconds = (end - start) / 1000;
  const orders = await ordersByStatus(environment.pool);
  return {
    checkouts: userIds.length,
    seconds: Math.round(seconds * 100) / 100,
    placedPerSecond: Math.round((orders['placed'] ?? 0) / seconds),
    accept,
    orders,
  };
}

/**
 * Accepting alone: every user checks out once through `url` (`connections` at once, each with its own
 * Idempotency-Key) while no worker runs; the clock stops at the last answer.
 */
export function checkoutAcceptService(
  environment: BenchEnvironment,
  url: string,
  userIds: string[],
  { connections }: { connections: number },
): Promise<Throughput & { statuses: Record<string, number> }> {
  return closedLoop(url, {
    connections,
    amount: userIds.length,
    requestFor: (i) => ({
      method: 'POST',
      path: '/api/checkout',
      token: environment.token(userIds[i % userIds.length]!),
      body: CHECKOUT_BODY,
      headers: { 'idempotency-key': randomUUID() },
    }),
  });
}

/**
 * POST /api/checkout offered at `perSecond` (open loop, one checkout per
 * user) while the running workers place the orders: the 202 latency from
 * each request's scheduled start.
 */
export async function checkoutRateService(
  environment: BenchEnvironment,
  userIds: string[],
  { perSecond, url = environment.baseUrl }: { perSecond: number; url?: string },
): Promise<{ latency: LatencySummary; errors: number; errorSamples: string[]; orders: Record<string, number> }> {
  for (const userId of userIds) environment.token(userId);
  const client = new HttpClient(url, 64);
  try {
    const offered = await runOpenLoop(userIds.length, perSecond, async (i) => {
      const answer = await client.request('POST', '/api/checkout', {
        token: environment.token(userIds[i]!),
        body: CHECKOUT_BODY,
        headers: { 'idempotency-key': randomUUID() },
      });
      if (answer.status !== 202) throw new Error(`POST /api/checkout answered ${answer.status}: ${answer.body.slice(0, 200)}`);
    });
    await untilOrdersFinal(environment.pool, userIds.length - offered.errors.length, PLACEMENT_TIMEOUT_MS);
    return {
      latency: summarize(offered.latenciesMs),
      errors: offered.errors.length,
      errorSamples: offered.errors.slice(0, 5),
      orders: await ordersByStatus(environment.pool),
    };
  } finally {
    client.close();
  }
}
