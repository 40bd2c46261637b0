import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../shared/config/config-schema';
import { SERVICE_VERSION } from '../../shared/service-info';

interface ObjectSchema {
  properties?: Record<string, { default?: unknown }>;
  required?: string[];
}

/** A query parameter with a default is optional to the client, though the handler always sees a value. */
function withDefaultsOptional(query: ObjectSchema): ObjectSchema {
  const required = (query.required ?? []).filter((name) => !(query.properties?.[name] && 'default' in query.properties[name]));
  return { ...query, required };
}

/**
 * OpenAPI 3 generated from the route schemas, written for client generators:
 * `/openapi.json`, Swagger UI at `/docs`. Named schemas (`$id`) become
 * `components.schemas` under their own names.
 */
export const openapiPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Checkout service',
          version: SERVICE_VERSION,
          license: { name: 'UNLICENSED' },
          description:
            'Cart staging area, asynchronous checkout and orders. Every error is JSON ' +
            '`{statusCode, error, code, message}` with a stable `code` (the `Error` schema lists them). ' +
            'Every answer carries `X-Request-Id`.',
        },
        servers: [
          config.PUBLIC_URL
            ? { url: config.PUBLIC_URL, description: 'The checkout API' }
            : { url: '/', description: 'The origin that serves this document (set PUBLIC_URL to name it)' },
        ],
        tags: [
          { name: 'products', description: 'The public catalogue' },
          { name: 'cart', description: "The caller's cart: a staging area" },
          { name: 'checkout', description: 'Asynchronous checkout' },
          { name: 'orders', description: "The caller's orders: the source of truth" },
          { name: 'seller', description: "A seller's orders" },
          { name: 'admin', description: 'Catalogue and order management' },
          { name: 'health', description: 'Liveness and readiness' },
        ],
        components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
        security: [{ bearerAuth: [] }],
      },
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
      transform: ({ schema, url }) => {
        const querystring = schema?.querystring as ObjectSchema | undefined;
        return { schema: querystring ? { ...schema, querystring: withDefaultsOptional(querystring) } : schema, url };
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'openapi' },
);
