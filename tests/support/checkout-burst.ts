import { randomUUID } from 'node:crypto';
import { waitFor } from '../../deploy/local/wait-for';
import { newUser, type Actor } from './actors';
import type { ApiClient } from './api-client';
import { givenFor } from './given';
import { expectInvariants } from './invariants';
import { CHECKOUT_BODY } from './routes';
import type { Stack } from './stack';

/** Shoppers with a cart each, and the stock their products started with. */
export interface Shoppers {
  shoppers: Actor[];
  initialStock: Record<string, number>;
}

/**
 * `count` new shoppers, each with one line (1-2 units) of one of `products`
 * new products of `stock` units: demand above the stock, so some orders fail.
 */
export async function shoppersWithCarts(api: ApiClient, { count, products = 4, stock = 20 }: { count: number; products?: number; stock?: number }): Promise<Shoppers> {
  const given = givenFor(api);
  const made = await Promise.all(Array.from({ length: products }, () => given.product({ stock })));
  const shoppers = Array.from({ length: count }, () => newUser('shopper'));
  await Promise.all(shoppers.map((shopper, i) => given.cart(shopper, made[i % products]!, 1 + (i % 2))));
  return { shoppers, initialStock: Object.fromEntries(made.map((product) => [product.id, stock])) };
}

/** What the shoppers of a burst met. */
export interface BurstResult {
  /** Each shopper's order id (every shopper ends with a 202). */
  orderIds: string[];
  /** How many answers of each status came back, `network` for no answer. */
  answers: Record<string, number>;
  /** 503s that came without a Retry-After. */
  missingRetryAfter: number;
  /** When the fault ran (Date.now()). */
  faultAt: number;
}

/**
 * The shoppers check out once each, spread over `spreadMs`, as a careful
 * client does: one Idempotency-Key per shopper; a 503 retried after its
 * Retry-After, no answer retried after 200 ms; anything else than 202 or 503
 * fails the burst. `fault` runs `faultAtMs` after the start, while they do.
 */
export async function checkoutBurst(
  api: ApiClient,
  shoppers: Actor[],
  { spreadMs, faultAtMs, fault }: { spreadMs: number; faultAtMs: number; fault: () => Promise<unknown> },
): Promise<BurstResult> {
  const answers: Record<string, number> = {};
  const count = (what: string) => (answers[what] = (answers[what] ?? 0) + 1);
  let missingRetryAfter = 0;
  let faultAt = 0;
  const faulted = new Promise((resolve) => setTimeout(resolve, faultAtMs)).then(async () => {
    faultAt = Date.now();
    await fault();
  });
  const checkOut = async (shopper: Actor, i: number): Promise<string> => {
    await new Promise((resolve) => setTimeout(resolve, (spreadMs * i) / shoppers.length));
    const key = randomUUID();
    for (let attempt = 1; attempt <= 60; attempt += 1) {
      let pause = 200;
      try {
        const res = await api.request('POST', '/api/checkout', {
          token: shopper.token,
          body: CHECKOUT_BODY,
          headers: { 'idempotency-key': key },
        });
        count(String(res.status));
        if (res.status === 202) return res.body.order_id as string;
        if (res.status !== 503) throw new Error(`checkout of ${shopper.id}: ${res.status} ${res.text}`);
        if (res.headers['retry-after'] === undefined) missingRetryAfter += 1;
        pause = Number(res.headers['retry-after'] ?? 1) * 1000;
      } catch (error) {
        if ((error as Error).message.startsWith('checkout of')) throw error;
        count('network');
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    throw new Error(`checkout of ${shopper.id}: no 202 after 60 attempts`);
  };
  const [orderIds] = await Promise.all([Promise.all(shoppers.map(checkOut)), faulted]);
  return { orderIds, answers, missingRetryAfter, faultAt };
}

/**
 * After a fault: every order final within `withinMs` of it, each moved out
 * of pending once, stock conserved, and every placed order's `order.placed`
 * in the stream (duplicates allowed: at least once).
 */
export async function expectAllFinalAndPublished(stack: Stack, { initialStock, since, withinMs }: { initialStock: Record<string, number>; since: number; withinMs: number }): Promise<void> {
  await stack.waitUntilNoPending(Math.max(1_000, since + withinMs - Date.now()));
  await expectInvariants(stack, initialStock);
  const placed = (await stack.sql<{ id: string }>(`SELECT id FROM orders WHERE status = 'placed'`)).map((row) => row.id);
  const stream = stack.env.ML_EVENTS_STREAM!;
  const withoutEvent = async () => {
    const entries: Array<[string, string[]]> = await stack.redis.xrange(stream, '-', '+');
    const published = new Set(
      entries
        .filter(([, fields]) => fields[fields.indexOf('type') + 1] === 'order.placed')
        .map(([, fields]) => (JSON.parse(fields[fields.indexOf('event') + 1]!) as { data: { order_id: string } }).data.order_id),
    );
    return placed.filter((id) => !published.has(id));
  };
  await waitFor('an order.placed event in the stream for every placed order', async () => (await withoutEvent()).length === 0, {
    timeoutMs: Math.max(1_000, since + withinMs - Date.now()),
    intervalMs: 200,
  }).catch(() => undefined);
  const missing = await withoutEvent();
  if (missing.length > 0) {
    console.log(stack.workers.flatMap((w) => w.lines).filter((l) => /relay|confirm|lost data|consumer/.test(l)).slice(-40).join('\n'));
  }
  expect(missing).toEqual([]);
}
