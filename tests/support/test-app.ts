import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { buildApp } from '../../api/app';
import type { Config } from '../../shared/config/config-schema';
import { loadConfig } from '../../shared/config/load-config';
import { createTestDatabase } from './test-database';
import { TEST_JWT_SECRET } from './tokens';

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
