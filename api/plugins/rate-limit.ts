import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import calculateSlot from 'cluster-key-slot';
import fp from 'fastify-plugin';
import { batchWhileBusy } from '../../shared/async/batch-while-busy';
import type { Config } from '../../shared/config/config-schema';
import type { RedisClient } from '../../shared/redis/redis-connection';
import { sendError } from './error-handler';

/** The request-rate buckets; each route takes the one that fits it as a preHandler. */
export interface RateLimits {
  /** Checkouts, per user. */
  checkout: preHandlerAsyncHookHandler;
  /** Cart changes, per user (each writes an ML event). */
  cartWrites: preHandlerAsyncHookHandler;
  /** Other changes (cancel, ship, admin edits), per user. */
  writes: preHandlerAsyncHookHandler;
  /** Authenticated reads, long-polls included, per user. */
  reads: preHandlerAsyncHookHandler;
  /** The public catalogue, per client address (no user to count by). */
  catalogue: preHandlerAsyncHookHandler;
}

declare module 'fastify' {
  interface FastifyInstance {
    limits: RateLimits;
    /** Failed credentials per client address (brute force): check before verifying a guessable secret, record each failure. */
    authFailures: {
      /** Seconds until the address may try again; 0 when it may now. */
      blockedFor: (request: FastifyRequest) => Promise<number>;
      /** Counts a failure; resolves with the seconds the address is now blocked for (0: not blocked). */
      record: (request: FastifyRequest) => Promise<number>;
    };
  }
}

const MINUTE_MS = 60_000;

/** 429 TOO_MANY_REQUESTS with Retry-After, in the contract's error shape. */
export function tooManyRequests(reply: FastifyReply, retryAfterSeconds: number): FastifyReply {
  return sendError(reply.header('retry-after', String(retryAfterSeconds)), 429, 'TOO_MANY_REQUESTS', `Too many requests: retry in ${retryAfterSeconds} s`);
}

/**
 * App tier: rate limits, counted in Redis so every API process shares them
 * (@fastify/rate-limit, `RateLimit-*` headers of the IETF draft and
 * `Retry-After` on 429). Authenticated routes count per user, so many users
 * behind one address are not throttled together; only unauthenticated
 * traffic (the public catalogue, failed credentials) counts per address —
 * the client address Fastify sees, which behind a proxy needs TRUST_PROXY.
 * Redis down: the limits are skipped (fail open) — availability of
 * checkouts matters more than a minute of unthrottled traffic, and the caps
 * and the database's own limits still hold. A request answered with a 5xx
 * (a failover: 503 with Retry-After) is not counted: a client that retries
 * as told is never pushed into 429 by its own retries.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const enabled = config.RATE_LIMITS_ENABLED;
    const counters = refundableCounters(app.redis, `${config.QUEUE_PREFIX}:rate-limit:`, { bySlot: config.redis.kind === 'cluster' });
    // the request a limit counted, by its key: refunded when the answer is a 5xx (nothing happened; retry as told)
    const counted = new WeakMap<FastifyRequest, string>();
    await app.register(rateLimit, {
      global: false,
      store: counters.Store,
      onExceeding: (request, key) => counted.set(request, key),
      skipOnError: true,
      enableDraftSpec: true,
      errorResponseBuilder: (_request, context) =>
        Object.assign(new Error(`Too many requests: retry in ${context.after}`), { statusCode: 429 }),
    });
    app.addHook('onResponse', async (request, reply) => {
      const key = counted.get(request);
      if (key !== undefined && reply.statusCode >= 500) await counters.refund(key).catch(() => undefined);
    });
    const perUser = (bucket: string, max: number) =>
      app.rateLimit({ max, timeWindow: MINUTE_MS, keyGenerator: (request) => `${bucket}:user:${request.user.id}` });
    const skip: preHandlerAsyncHookHandler = async () => undefined;
    app.decorate('limits', {
      checkout: enabled ? perUser('checkout', config.RATE_LIMIT_CHECKOUTS_PER_MINUTE) : skip,
      cartWrites: enabled ? perUser('cart', config.RATE_LIMIT_CART_WRITES_PER_MINUTE) : skip,
      writes: enabled ? perUser('writes', config.RATE_LIMIT_WRITES_PER_MINUTE) : skip,
      reads: enabled ? perUser('reads', config.RATE_LIMIT_READS_PER_MINUTE) : skip,
      catalogue: enabled
        ? app.rateLimit({ max: config.RATE_LIMIT_CATALOGUE_PER_MINUTE, timeWindow: MINUTE_MS, keyGenerator: (request) => `catalogue:ip:${request.ip}` })
        : skip,
    });

    const failureKey = (request: FastifyRequest) => `${config.QUEUE_PREFIX}:auth-failures:${request.ip}`;
    const max = config.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE;
    const secondsLeft = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs / 1000));
    app.decorate('authFailures', {
      blockedFor: async (request: FastifyRequest) => {
        if (!enabled) return 0;
        try {
          const [[, count], [, ttl]] = (await app.redis.multi().get(failureKey(request)).pttl(failureKey(request)).exec()) as [
            [unknown, string | null],
            [unknown, number],
          ];
          return Number(count ?? 0) >= max ? secondsLeft(ttl) : 0;
        } catch {
          return 0; // Redis down: fail open
        }
      },
      record: async (request: FastifyRequest) => {
        if (!enabled) return 0;
        try {
          const [[, count], , [, ttl]] = (await app.redis
            .multi()
            .incr(failureKey(request))
            .pexpire(failureKey(request), MINUTE_MS, 'NX')
            .pttl(failureKey(request))
            .exec()) as [[unknown, number], unknown, [unknown, number]];
          return count > max ? secondsLeft(ttl) : 0;
        } catch {
          return 0;
        }
      },
    });
  },
  { name: 'rate-limit', dependencies: ['redis', 'error-handler'] },
);

/** Counter increments sent to Redis at once, at most, and such round trips at once. */
const COUNT_LIMITS = { maxInFlight: 2, maxBatch: 500 };

/** Adds ARGV[2i-1] to each KEYS[i], sets its expiry (ARGV[2i] ms) if it has none; returns each total and its TTL. */
const COUNT = `local results = {}
for i, key in ipairs(KEYS) do
  results[2 * i - 1] = redis.call('INCRBY', key, ARGV[2 * i - 1])
  redis.call('PEXPIRE', key, ARGV[2 * i], 'NX')
  results[2 * i] = redis.call('PTTL', key)
end
return results`;

/**
 * A per-minute counter store for @fastify/rate-limit (fixed windows, one Redis
 * key per bucket and caller) that can also give a request back. The plugin's
 * own Redis store names its keys after internals. Counting is exact but not a
 * round trip per request: the requests that come while a count is on its way
 * are counted together, in one script call (per hash slot on a Cluster), and
 * each gets the total as it would alone (the n-th of k increments of a key
 * sees total - k + n).
 */
function refundableCounters(redis: RedisClient, nameSpace: string, { bySlot }: { bySlot: boolean }) {
  const REFUND = `if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end return 0`;
  type Count = { counter: string; windowMs: number };
  // sent by its SHA once Redis knows it (EVALSHA; the script again only when Redis answers NOSCRIPT)
  const client = redis as RedisClient & { countRateLimits?: (numberOfKeys: number, ...keysAndArgs: Array<string | number>) => Promise<number[]> };
  if (!client.countRateLimits) redis.defineCommand('countRateLimits', { lua: COUNT });
  const countTogether = async (counts: Count[]): Promise<Array<{ current: number; ttl: number }>> => {
    // one increment per counter and how many of this batch's calls it carries
    const totals = new Map<string, { windowMs: number; calls: number }>();
    for (const { counter, windowMs } of counts) {
      const total = totals.get(counter);
      if (total) total.calls += 1;
      else totals.set(counter, { windowMs, calls: 1 });
    }
    const groups = new Map<number, string[]>();
    for (const counter of totals.keys()) {
      const slot = bySlot ? calculateSlot(counter) : 0;
      groups.set(slot, [...(groups.get(slot) ?? []), counter]);
    }
    const after = new Map<string, { current: number; ttl: number }>();
    await Promise.all(
      [...groups.values()].map(async (keys) => {
        const args = keys.flatMap((key) => [totals.get(key)!.calls, totals.get(key)!.windowMs]);
        const results = await client.countRateLimits!(keys.length, ...keys, ...args);
        keys.forEach((key, i) => after.set(key, { current: results[2 * i]!, ttl: results[2 * i + 1]! }));
      }),
    );
    // each call sees the total as if the calls had come one by one
    const seen = new Map<string, number>();
    return counts.map(({ counter }) => {
      const { current, ttl } = after.get(counter)!;
      const nth = (seen.get(counter) ?? 0) + 1;
      seen.set(counter, nth);
      return { current: current - totals.get(counter)!.calls + nth, ttl };
    });
  };
  const count = batchWhileBusy(countTogether, COUNT_LIMITS);
  class Store {
    // the plugin passes the route's window (its types do not say so)
    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow = MINUTE_MS): void {
      count({ counter: nameSpace + key, windowMs: timeWindow }).then(
        (result) => callback(null, result),
        (error: Error) => callback(error),
      );
    }

    child(): Store {
      return this;
    }
  }
  return {
    Store,
    refund: (key: string) => redis.eval(REFUND, 1, nameSpace + key),
  };
}
