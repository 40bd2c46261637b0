import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { probe } from '../../shared/async/with-timeout';
import { pingDatabase } from '../../shared/db/database';
import { SERVICE_VERSION } from '../../shared/service-info';
import { sendError } from '../plugins/error-handler';

const Checks = Type.Object({
  postgres: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  redis: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
});

/** `GET /` (no dependency calls), `GET /health/live`, `GET /health/ready` (PostgreSQL and Redis). */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const hello = { status: 'ok', service: 'checkout-api', version: SERVICE_VERSION } as const;

  app.get(
    '/',
    {
      schema: {
        tags: ['health'],
        summary: 'Cheap liveness answer, no dependency calls',
        response: { 200: Type.Object({ status: Type.String(), service: Type.String(), version: Type.String() }) },
      },
    },
    async () => hello,
  );

  app.get(
    '/health/live',
    { schema: { tags: ['health'], summary: 'The process is up', response: { 200: Type.Object({ status: Type.String() }) } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'PostgreSQL and Redis answer (503 names the one that does not)',
        response: {
          200: Type.Object({ status: Type.String(), checks: Checks }),
          503: Type.Object({
            statusCode: Type.Integer(),
            error: Type.String(),
            code: Type.String(),
            message: Type.String(),
            status: Type.String(),
            checks: Checks,
          }),
        },
      },
    },
    async (request, reply) => {
      const [postgres, redis] = await Promise.all([
        probe(() => pingDatabase(app.db)),
        probe(() => app.redis.ping()),
      ]);
      const checks = { postgres, redis };
      if (postgres === 'ok' && redis === 'ok') return { status: 'ok', checks };
      const failed = Object.entries(checks).filter(([, state]) => state === 'error').map(([name]) => name);
      request.log.warn({ checks }, 'not ready');
      return sendError(reply, 503, 'NOT_READY', `Unavailable: ${failed.join(', ')}`, { status: 'unavailable', checks });
    },
  );
};
