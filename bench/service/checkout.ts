import { randomUUID } from 'node:crypto';
import type { BenchEnvironment } from '../harness/environment';
import { CHECKOUT_BODY, ordersByStatus, untilOrdersFinal } from '../harness/fixtures';
import { waitFor } from '../../deploy/local/wait-for';
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

/** How long a client waits for an order to be final, per long-poll (`?wait=`). */
const FINAL_WAIT_SECONDS = 10;

/**
 * POST /api/checkout offered at `perSecond` (open loop, one checkout per
 * user) while the running workers place the orders: the 202 latency from
 * each request's scheduled start; and, as a shopper's page does, each
 * client then long-polls its order until it is final: the placement latency,
 * from the 202 to the answer that shows the order final.
 */
export async function checkoutRateService(
  environment: BenchEnvironment,
  userIds: string[],
  { perSecond, url = environment.baseUrl }: { perSecond: number; url?: string },
): Promise<{ latency: LatencySummary; placement: LatencySummary; errors: number; errorSamples: string[]; orders: Record<string, number> }> {
  for (const userId of userIds) environment.token(userId);
  const client = new HttpClient(url, 256);
  const placementMs: number[] = [];
  const pollErrors: string[] = [];
  try {
    const offered = await runOpenLoop(userIds.length, perSecond, async (i) => {
      const token = environment.token(userIds[i]!);
      const answer = await client.request('POST', '/api/checkout', { token, body: CHECKOUT_BODY, headers: { 'idempotency-key': randomUUID() } });
      if (answer.status !== 202) throw new Error(`POST /api/checkout answered ${answer.status}: ${answer.body.slice(0, 200)}`);
      const accepted = performance.now();
      const { order_id: orderId } = JSON.parse(answer.body) as { order_id: string };
      // the 202's latency is what runOpenLoop times; the long-poll runs on, apart from it
      void untilFinal(client, orderId, token).then(
        () => placementMs.push(performance.now() - accepted),
        (error: Error) => pollErrors.push(error.message),
      );
    });
    await untilOrdersFinal(environment.pool, userIds.length - offered.errors.length, PLACEMENT_TIMEOUT_MS);
    const accepted = userIds.length - offered.errors.length;
    await waitFor('every client to see its order final', async () => placementMs.length + pollErrors.length >= accepted, {
      timeoutMs: FINAL_WAIT_SECONDS * 2_000,
    });
    const errors = [...offered.errors, ...pollErrors];
    return {
      latency: summarize(offered.latenciesMs),
      placement: summarize(placementMs),
      errors: errors.length,
      errorSamples: errors.slice(0, 5),
      orders: await ordersByStatus(environment.pool),
    };
  } finally {
    client.close();
  }
}

/** Long-polls an order until it is final (as the web page does). */
async function untilFinal(client: HttpClient, orderId: string, token: string): Promise<void> {
  for (;;) {
    const answer = await client.request('GET', `/api/orders/${orderId}?wait=${FINAL_WAIT_SECONDS}`, { token });
    if (answer.status !== 200) throw new Error(`GET /api/orders/${orderId} answered ${answer.status}`);
    if ((JSON.parse(answer.body) as { status: string }).status !== 'pending') return;
  }
}
