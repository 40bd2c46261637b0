import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { buildApp } from '../../api/app';
import type { Config } from '../../shared/config/config-schema';
import { loadConfig } from '../../shared/config/load-config';
import { createTestDatabase } from './test-database';
import { injectClient, type ApiClient } from './api-client';
import { TEST_JWT_SECRET } from './tokens';

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  /** The app's HTTP API through `inject`: the client the builders (`givenFor`) and the route helpers use. */
  api: ApiClient;
  /** Runs SQL against the test database and returns the rows. */
  sql: <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;
  close: () => Promise<void>;
}

const GENEROUS_RATE_LIMITS = Object.fromEntries(
  [
    'RATE_LIMIT_CHECKOUTS_PER_MINUTE',
    'RATE_LIMIT_CART_WRITES_PER_MINUTE',
    'RATE_LIMIT_WRITES_PER_MINUTE',
    'RATE_LIMIT_READS_PER_MINUTE',
    'RATE_LIMIT_CATALOGUE_PER_MINUTE',
    'RATE_LIMIT_AUTH_FAILURES_PER_MINUTE',
  ].map((name) => [name, '100000']),
);

/** The environment of a test process: its own database and queue prefix, quiet logs. */
export function testEnv(databaseUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  const prefix = `test-${randomBytes(4).toString('hex')}`;
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: prefix,
    ML_EVENTS_STREAM: `${prefix}:ml:events`,
    WORKER_METRICS_PORT: '0',
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'silent',
    MIGRATE_ON_START: 'false',
    // limits on, but far above what a test file sends; tests/api/rate-limits.test.ts sets low ones
    ...GENEROUS_RATE_LIMITS,
    ...overrides,
  };
}

/** The validated configuration for `testEnv`. */
export function testConfig(databaseUrl: string, overrides: Record<string, string> = {}): Config {
  return loadConfig(testEnv(databaseUrl, overrides));
}

/** Builds the real app (same factory as production) on a fresh database cloned for this test file. */
export async function startTestApp(overrides: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = testConfig(database.url, overrides);
  const app = await buildApp(config, { logger: false });
  await app.ready();
  return {
    app,
    config,
    api: injectClient(app),
    sql: async <T>(text: string, params: unknown[] = []) => {
      const [rows] = await app.db.query(text, { bind: params });
      return rows as T[];
    },
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

/** The test app of one test file (see `useTestApp`). */
export interface FileTestApp extends TestApp {
  /** Runs `cleanup` in `afterAll` before the app closes and its database is dropped (the last registered first). */
  beforeClose: (cleanup: () => Promise<unknown>) => void;
}

/**
 * The test app of the calling file: started in `beforeAll` (on its own
 * database), its queue emptied and the app closed in `afterAll`. The returned
 * object stands for the app from the start, so describe-level code can write
 * `givenFor(t.api)`; its other members are read inside hooks and tests.
 */
export function useTestApp(overrides: Record<string, string> = {}): FileTestApp {
  return fileTestApp(overrides, async (app) => {
    await app.app.checkoutQueue.obliterate({ force: true });
    await app.close();
  });
}

/** `useTestApp` with Redis on a port nothing listens on: for what the app does while Redis is unreachable. */
export function useTestAppWithoutRedis(overrides: Record<string, string> = {}): FileTestApp {
  return fileTestApp({ ...overrides, REDIS_URL: 'redis://127.0.0.1:1' }, async (app) => {
    await app.close();
    // ioredis leaves its 2 s connect-timeout timer behind after a refused connection; outlive it so jest sees no open handle
    await new Promise((resolve) => setTimeout(resolve, 2_100));
  });
}

function fileTestApp(overrides: Record<string, string>, close: (app: TestApp) => Promise<void>): FileTestApp {
  let started: TestApp | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];
  const current = (): TestApp => {
    if (!started) throw new Error('the test app starts in beforeAll: use it inside hooks and tests');
    return started;
  };
  beforeAll(async () => {
    started = await startTestApp(overrides);
  });
  afterAll(async () => {
    if (!started) return;
    for (const cleanup of cleanups.reverse()) await cleanup();
    await close(started);
  });
  return {
    get app() {
      return current().app;
    },
    get config() {
      return current().config;
    },
    api: { request: (method, path, options) => current().api.request(method, path, options) },
    sql: (text, params) => current().sql(text, params),
    close: () => current().close(),
    beforeClose: (cleanup) => cleanups.push(cleanup),
  };
}
