import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { probe } from '../../shared/async/with-timeout';
import { pingDatabase } from '../../shared/db/database';
import { SERVICE_VERSION } from '../../shared/service-info';
import { PUBLIC } from '../http/common-schemas';
import { sendError } from '../plugins/error-handler';

const CheckState = Type.Union([Type.Literal('ok'), Type.Literal('error')]);
const Checks = Type.Object({ postgres: CheckState, redis: CheckState });

export const ServiceInfoSchema = Type.Object(
  {
    status: Type.Literal('ok'),
    service: Type.Literal('checkout-api'),
    version: Type.String({ example: '0.1.0' }),
  },
  { $id: 'ServiceInfo' },
);

export const ReadinessSchema = Type.Object({ status: Type.Literal('ok'), checks: Checks }, { $id: 'Readiness' });

export const NotReadySchema = Type.Object(
  {
    statusCode: Type.Literal(503),
    error: Type.String({ example: 'Service Unavailable' }),
    code: Type.Literal('NOT_READY'),
    message: Type.String({ example: 'Unavailable: redis' }),
    status: Type.Literal('unavailable'),
    checks: Checks,
  },
  { $id: 'NotReady' },
);

export const HEALTH_SCHEMAS = [ServiceInfoSchema, ReadinessSchema, NotReadySchema];

/** `GET /` (no dependency calls), `GET /health/live`, `GET /health/ready` (PostgreSQL and Redis). */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const hello = { status: 'ok', service: 'checkout-api', version: SERVICE_VERSION } as const;

  app.get(
    '/',
    {
      schema: {
        operationId: 'getServiceInfo',
        tags: ['health'],
        summary: 'Cheap liveness answer, no dependency calls (wakes a cold instance)',
        security: PUBLIC,
        response: { 200: Type.Ref(ServiceInfoSchema, { description: 'The service and its version' }) },
      },
    },
    async () => hello,
  );

  app.get(
    '/health/live',
    {
      schema: {
        operationId: 'getLiveness',
        tags: ['health'],
        summary: 'The process is up',
        security: PUBLIC,
        response: { 200: Type.Object({ status: Type.Literal('ok') }, { description: 'Alive' }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/health/ready',
    {
      schema: {
        operationId: 'getReadiness',
        tags: ['health'],
        summary: 'PostgreSQL and Redis answer (503 names the one that does not)',
        security: PUBLIC,
        response: {
          200: Type.Ref(ReadinessSchema, { description: 'Both answer' }),
          503: Type.Ref(NotReadySchema, { description: 'NOT_READY: at least one does not answer' }),
        },
      },
    },
    async (request, reply) => {
      const [postgres, redis] = await Promise.all([probe(() => pingDatabase(app.db)), probe(() => app.redis.ping())]);
      const checks = { postgres, redis };
      if (postgres === 'ok' && redis === 'ok') return { status: 'ok' as const, checks };
      const failed = Object.entries(checks).filter(([, state]) => state === 'error').map(([name]) => name);
      request.log.warn({ checks }, 'not ready');
      return sendError(reply, 503, 'NOT_READY', `Unavailable: ${failed.join(', ')}`, { status: 'unavailable', checks });
    },
  );
};
