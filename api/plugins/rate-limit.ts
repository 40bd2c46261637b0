import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../shared/config/config-schema';
import { sendError } from './error-handler';
import { leasedCounters, type Count } from './rate-limit-counters';

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
 * App tier: rate limits (@fastify/rate-limit, `RateLimit-*` headers of the
 * IETF draft and `Retry-After` on 429), counted in Redis so every API process
 * shares them — each process leasing a small share of a limit at a time
 * (leasedCounters), so that counting is not a Redis round trip per request. Authenticated routes count per user, so many users
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
    const counters = leasedCounters(app.redis, `${config.QUEUE_PREFIX}:rate-limit:`, {
      bySlot: config.redis.kind === 'cluster',
      leaseShare: config.RATE_LIMIT_LEASE_PERCENT / 100,
    });
    app.addHook('onClose', async () => counters.close());
    // the request a limit counted, by its key: refunded when the answer is a 5xx (nothing happened; retry as told)
    const counted = new WeakMap<FastifyRequest, string>();
    await app.register(rateLimit, {
      global: false,
      store: class {
        // the plugin passes the route's window and limit (its types do not say so)
        incr(key: string, callback: (error: Error | null, result?: Count) => void, timeWindow = MINUTE_MS, max = Infinity): void {
          const answer = counters.count(key, timeWindow, max);
          if (!(answer instanceof Promise)) return callback(null, answer);
          answer.then(
            (result) => callback(null, result),
            (error: Error) => callback(error),
          );
        }

        child() {
          return this;
        }
      },
      onExceeding: (request, key) => counted.set(request, key),
      skipOnError: true,
      enableDraftSpec: true,
      errorResponseBuilder: (_request, context) =>
        Object.assign(new Error(`Too many requests: retry in ${context.after}`), { statusCode: 429 }),
    });
    app.addHook('onResponse', async (request, reply) => {
      const key = counted.get(request);
      if (key !== undefined && reply.statusCode >= 500) counters.giveBack(key);
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
