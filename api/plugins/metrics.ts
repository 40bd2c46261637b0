import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { registerDependencyMetrics, registerQueueMetrics } from '../../shared/queue/queue-metrics';
import { pingDatabase } from '../../shared/db/database';
import { registerOrderMetrics } from '../../shared/orders/order-metrics';
import { registerPoolMetrics } from '../../shared/db/pool-metrics';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { bearerToken } from '../../shared/auth/authorization-header';
import { sameSecret } from '../../shared/auth/same-secret';
import type { Config } from '../../shared/config/config-schema';
import { sendError } from './error-handler';
import { tooManyRequests } from './rate-limit';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: {
      /** Checkouts answered 202 (`replayed`: an Idempotency-Key replay). */
      checkoutsAccepted: Counter<'replayed'>;
    };
  }
}

/**
 * Prometheus metrics of the API process at GET /metrics: request durations,
 * checkouts, queue and order gauges, and the process's metrics when the entry
 * point hands them over (`processMetrics`: the app's register beside them).
 * Not public: the scraper sends METRICS_TOKEN as a bearer token (an admin JWT
 * works too).
 */
export const metricsPlugin = fp(
  async (app: FastifyInstance, { config, processMetrics }: { config: Config; processMetrics?: Registry }) => {
    const scraper = async (request: FastifyRequest, reply: FastifyReply) => {
      const token = bearerToken(request.headers.authorization);
      const blockedFor = token ? await app.authFailures.blockedFor(request) : 0;
      if (blockedFor > 0) return tooManyRequests(reply, blockedFor);
      if (token && config.METRICS_TOKEN && sameSecret(token, config.METRICS_TOKEN)) return;
      if (token) {
        try {
          if ((await app.verifyToken(token)).role === 'admin') return;
        } catch {
          // neither the metrics token nor a valid token: refused below
        }
      }
      if (token) await app.authFailures.record(request);
      return sendError(reply.header('www-authenticate', 'Bearer'), 401, 'UNAUTHORIZED', 'Metrics need METRICS_TOKEN or an admin token');
    };
    const registry = processMetrics ?? new Registry();
    const requestDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25],
      registers: [registry],
    });
    const checkoutsAccepted = new Counter({
      name: 'checkouts_accepted_total',
      help: 'Checkouts answered 202',
      labelNames: ['replayed'] as const,
      registers: [registry],
    });
    new Gauge({
      name: 'order_long_polls_waiting',
      help: 'GET /api/orders/:id?wait=N requests waiting for a status change',
      registers: [registry],
      collect() {
        this.set(app.orderWaiter.stats().waiting);
      },
    });
    new Counter({
      name: 'order_long_poll_wake_up_reads_total',
      help: 'Orders read again because long-polls waited on them and they changed (one read per change, whatever the waiters)',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(app.orderWaiter.stats().wakeUpReads);
      },
    });
    new Gauge({
      name: 'checkout_jobs_awaiting_redis',
      help: "Accepted checkouts whose job this API process could not add to Redis yet (added when it answers again)",
      registers: [registry],
      collect() {
        this.set(app.enqueuer.leftBehind());
      },
    });
    // the queue's depth from the API too: it runs while workers are scaled to zero (the autoscaler reads it here)
    registerQueueMetrics(registry, app.checkoutQueue);
    registerOrderMetrics(registry, app.db);
    registerPoolMetrics(registry, app.db);
    registerDependencyMetrics(registry, { postgres: () => pingDatabase(app.db), redis: () => app.redis.ping() });
    app.decorate('metrics', { checkoutsAccepted });

    app.addHook('onResponse', async (request, reply) => {
      // the route pattern, not the URL: ids must not explode the label set
      const route = request.routeOptions.url ?? 'unmatched';
      requestDuration.observe(
        { method: request.method, route, status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });

    app.get('/metrics', { schema: { hide: true }, onRequest: scraper }, async (_request, reply) =>
      reply.type(registry.contentType).send(await registry.metrics()),
    );
  },
  { name: 'metrics', dependencies: ['order-watch', 'auth', 'error-handler', 'rate-limit', 'queue'] },
);
