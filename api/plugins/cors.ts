import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../shared/config/config-schema';

/** The Angular dev server, allowed by default in development. */
export const DEV_ORIGIN = 'http://localhost:4200';

/** What a browser app may send and read, per the contract's "Browser clients (CORS)". */
const METHODS = ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'];
const ALLOWED_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'x-request-id'];
const EXPOSED_HEADERS = ['location', 'retry-after', 'x-request-id', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'];
/** Browsers cache a preflight this long (Chromium caps it at 2 h), so polls do not pay for one each time. */
const PREFLIGHT_MAX_AGE_SECONDS = 7_200;

/** The origins CORS_ORIGINS allows: a list, any (`*`), or none. */
export function corsOrigins(config: Pick<Config, 'CORS_ORIGINS' | 'NODE_ENV'>): string[] | '*' {
  const setting = config.CORS_ORIGINS ?? (config.NODE_ENV === 'development' ? DEV_ORIGIN : 'none');
  const origins = setting.split(',').map((origin) => origin.trim()).filter(Boolean);
  if (origins.includes('*')) return '*';
  return origins.filter((origin) => origin !== 'none');
}

/** App tier: CORS for single-page apps on other origins (nothing is sent for an origin not allowed). */
export const corsPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const origins = corsOrigins(config);
    if (origins !== '*' && origins.length === 0) return;
    await app.register(cors, {
      origin: origins,
      methods: METHODS,
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: PREFLIGHT_MAX_AGE_SECONDS,
    });
    app.log.info({ origins }, 'CORS allows browser apps from these origins');
  },
  { name: 'cors' },
);
