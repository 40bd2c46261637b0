import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { buildApp } from '../../api/app';
import type { Config } from '../../shared/config/config-schema';
import { loadConfig } from '../../shared/config/load-config';
import { createTestDatabase } from './test-database';
import { bearer, TEST_JWT_SECRET, tokenFor } from './tokens';

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  /** Runs SQL against the test database and returns the rows. */
  sql: <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;
  close: () => Promise<void>;
}

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

/** A product as the API answers it. */
export interface ProductJson {
  id: string;
  name: string;
  price: string;
  stock: number;
  seller_id: string | null;
  active: boolean;
  created_at: string;
  updated_at: string;
}

/** Creates a product through the admin API (expecting 201) and returns it. */
export async function createProductViaApi(
  app: FastifyInstance,
  values: { name?: string; price: string; stock: number; seller_id?: string | null },
): Promise<ProductJson> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/admin/products',
    headers: bearer(tokenFor('test-admin', 'admin')),
    payload: { name: `Product ${randomBytes(3).toString('hex')}`, ...values },
  });
  expect(res.statusCode).toBe(201);
  return res.json<ProductJson>();
}
