import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import type { Registry } from 'prom-client';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../shared/config/config-schema';
import { logOptions } from '../shared/logging/logger';
import { cartRoutes } from './cart/cart-routes';
import { checkoutRoutes } from './checkout/checkout-routes';
import { orderRoutes } from './orders/order-routes';
import { sellerOrderRoutes } from './seller/seller-order-routes';
import { adminOrderRoutes } from './admin/admin-order-routes';
import { healthRoutes } from './health/health-routes';
import { COMPONENT_SCHEMAS } from './http/component-schemas';
import { authPlugin } from './plugins/auth';
import { metricsPlugin } from './plugins/metrics';
import { rateLimitPlugin } from './plugins/rate-limit';
import { bullBoardPlugin } from './board/bull-board';
import { corsPlugin } from './plugins/cors';
import { databasePlugin } from './plugins/database';
import { errorHandlerPlugin, sendError } from './plugins/error-handler';
import { openapiPlugin } from './plugins/openapi';
import { orderWatchPlugin } from './plugins/order-watch';
import { queuePlugin } from './plugins/queue';
import { redisPlugin } from './plugins/redis';
import { createValidatorCompiler } from './plugins/validation';
import { adminProductRoutes, productRoutes } from './products/product-routes';

export interface BuildAppOptions {
  /** `false` silences the app (tests); a stream receives its log lines (tests that read the logs). */
  logger?: false | { stream: DestinationStream };
  /** The process's own metrics (`processMetricsRegistry()`), served at /metrics beside the app's; `api/main.ts` passes them. */
  processMetrics?: Registry;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** How long the API may take to close on SIGTERM (requests in flight, long-polls answered) before it exits anyway. */
export const API_SHUTDOWN_TIMEOUT_MS = 10_000;

/** TRUST_PROXY as Fastify takes it: `true` (any proxy), or the proxies' addresses/CIDRs (comma-separated). */
function trustProxy(setting: string | undefined): boolean | string[] {
  if (setting === undefined || setting === 'false') return false;
  if (setting === 'true') return true;
  return setting.split(',').map((address) => address.trim());
}

/** Honours a sane incoming `x-request-id` (from a proxy), otherwise makes one. */
function requestId(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Builds the HTTP application; `api/main.ts` listens on it and the tests
 * `inject()` into it, so both run the same Ajv options, plugins and routes.
 */
export async function buildApp(config: Config, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger === false ? false : { ...logOptions(config), ...options.logger },
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: trustProxy(config.TRUST_PROXY),
    genReqId: requestId,
    // one access-log line per request (the onResponse hook below) instead of Fastify's two
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true }),
    return503OnClosing: true,
    // ids that are too long for anything still get the resource's own 404 (up to this length)
    routerOptions: { maxParamLength: 1_000 },
    // router-level errors (undecodable URL, over-long id) never reach the error handler
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id);
      return error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? sendError(reply, 404, 'NOT_FOUND', 'Not found')
        : sendError(reply, 400, 'VALIDATION_ERROR', 'The URL is malformed');
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  for (const schema of COMPONENT_SCHEMAS) app.addSchema(schema);
  app.setValidatorCompiler(createValidatorCompiler(COMPONENT_SCHEMAS));
  app.addHook('onRequest', async (request, reply) => {
    // every answer names its request, and no browser guesses a content type other than the one sent
    reply.header('x-request-id', request.id).header('x-content-type-options', 'nosniff');
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  // external tier
  await app.register(errorHandlerPlugin);
  await app.register(databasePlugin, { config });
  await app.register(redisPlugin, { config });
  await app.register(queuePlugin, { config });
  await app.register(orderWatchPlugin, { config });
  // app tier
  await app.register(rateLimitPlugin, { config });
  await app.register(authPlugin, { config });
  await app.register(metricsPlugin, { config, processMetrics: options.processMetrics });
  await app.register(openapiPlugin, { config });
  await app.register(bullBoardPlugin, { config });
  await app.register(corsPlugin, { config });
  // routes
  await app.register(healthRoutes);
  await app.register(productRoutes);
  await app.register(adminProductRoutes);
  await app.register(cartRoutes, { config });
  await app.register(checkoutRoutes, { config });
  await app.register(orderRoutes);
  await app.register(sellerOrderRoutes);
  await app.register(adminOrderRoutes);

  return app;
}
