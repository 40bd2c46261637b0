import { closeRedis, createRedis, type RedisClient } from '../../shared/redis/redis-connection';
import { Pool } from 'pg';
import { Queue } from 'bullmq';
import { CHECKOUT_QUEUE } from '../../shared/queue/checkout-queue';
import { deleteDeploymentKeys } from '../../deploy/local/queue-keys';
import { waitFor } from '../../deploy/local/wait-for';
import { startApiProcess, startWorkerProcess, type CommandWrap, type ServiceProcess } from '../../deploy/local/service-process';
import { createTestDatabase } from './test-database';
import { testEnv } from './test-app';
import { loadConfig } from '../../shared/config/load-config';
import { fetchClient, type ApiClient } from './api-client';

/**
 * A whole deployment in child processes for one test file: its own database
 * and queue prefix, an API process, and as many worker processes as a test
 * starts. `api` talks to the API process over HTTP (the same client interface
 * as `startTestApp`'s, so `givenFor(stack.api)` builds data here too); `sql`
 * and `redis` look at the data from outside.
 */
export interface Stack {
  env: Record<string, string>;
  databaseName: string;
  baseUrl: string;
  apiProcess: ServiceProcess;
  workers: ServiceProcess[];
  sql: <T = any>(text: string, params?: unknown[]) => Promise<T[]>;
  redis: RedisClient;
  api: ApiClient;
  /** Starts a worker process with `overrides` on the stack's environment (`wrap`: e.g. on a test host of its own). */
  startWorker: (overrides?: Record<string, string>, options?: { wrap?: CommandWrap }) => Promise<ServiceProcess>;
  /** Polls the database until no order is pending (or fails after `timeoutMs`). */
  waitUntilNoPending: (timeoutMs?: number) => Promise<void>;
  stop: () => Promise<void>;
}

/** The environment a stack's processes get beyond `testEnv`'s; a function receives the test database's URL. */
export type StackOverrides = Record<string, string> | ((databaseUrl: string) => Record<string, string>);

/** A database for a stack: its name, URL and how to get rid of it. */
export interface StackDatabase {
  name: string;
  url: string;
  drop: () => Promise<void>;
}

/**
 * Starts the API process on a fresh test database (or `database`, e.g. one on
 * a Patroni cluster), with `overrides` on top of the test environment.
 */
export async function startStack(overrides: StackOverrides = {}, { database }: { database?: StackDatabase } = {}): Promise<Stack> {
  database ??= await createTestDatabase();
  const env = testEnv(database.url, typeof overrides === 'function' ? overrides(database.url) : overrides);
  const config = loadConfig(env);
  const { api, baseUrl } = await startApiProcess(env);
  const pool = new Pool({ connectionString: database.url, max: 4, application_name: 'checkout-test' });
  // idle connections are cut when the database is dropped at the end
  pool.on('error', () => undefined);
  const redis = createRedis(config.redis, 'blocking', 'checkout-test');
  // the servers of a topology test stop before the stack's connection does
  redis.on('error', () => undefined);
  const workers: ServiceProcess[] = [];
  let started = 0;

  /** What a test that waited in vain needs to know: the pending orders, their jobs' states, the processes' last complaints. */
  const whyPending = async () => {
    const pending = (
      await pool.query<{ id: string; age: number }>(
        `SELECT id, EXTRACT(EPOCH FROM now() - created_at)::float AS age FROM orders WHERE status = 'pending' ORDER BY created_at LIMIT 10`,
      )
    ).rows;
    const queue = new Queue(CHECKOUT_QUEUE, { connection: redis, prefix: config.QUEUE_PREFIX });
    const jobs = await Promise.all(pending.map(async ({ id }) => (await queue.getJob(id))?.getState() ?? 'missing')).finally(() => queue.close());
    const complaints = [api, ...workers].flatMap((process) =>
      process.lines
        .filter((line) => /"level":(40|50|60)/.test(line))
        .slice(-5)
        .map((line) => `${process.name}: ${line.slice(0, 400)}`),
    );
    return [
      ...pending.map(({ id, age }, i) => `pending ${id} for ${age.toFixed(1)} s, job ${jobs[i]}`),
      ...complaints,
    ].join('\n');
  };

  const stack: Stack = {
    env,
    databaseName: database.name,
    baseUrl,
    apiProcess: api,
    api: fetchClient(baseUrl),
    workers,
    redis,
    sql: async (text, params = []) => (await pool.query(text, params)).rows,
    startWorker: async (workerOverrides = {}, { wrap } = {}) => {
      // named when asked for, so that workers started together have names of their own
      started += 1;
      const worker = await startWorkerProcess({ ...env, ...workerOverrides }, `worker-${started}`, { wrap });
      workers.push(worker);
      return worker;
    },
    waitUntilNoPending: async (timeoutMs = 30_000) => {
      await waitFor(
        'no order pending',
        // a database failing over answers nothing for a while: not yet
        async () => (await pool.query(`SELECT 1 FROM orders WHERE status = 'pending' LIMIT 1`).catch(() => undefined))?.rowCount === 0,
        { timeoutMs, intervalMs: 100 },
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await whyPending().catch((why: Error) => `(no diagnosis: ${why.message})`)}`);
      });
    },
    stop: async () => {
      await Promise.all([api, ...workers].map((process) => process.stop('SIGKILL')));
      await pool.end();
      try {
        // best effort: a topology test's Redis may be gone or unreachable by now (its servers are stopped next)
        await deleteDeploymentKeys(redis, { prefix: config.QUEUE_PREFIX, stream: config.ML_EVENTS_STREAM }).catch(() => undefined);
        await closeRedis(redis);
      } finally {
        await database.drop();
      }
    },
  };
  return stack;
}

/** Stops `stack`, then the servers a test file started under it: these stop even when the stack's own teardown fails. */
export async function stopStackAndServers(
  stack: Stack | undefined,
  ...servers: Array<{ stop: () => Promise<void> } | undefined>
): Promise<void> {
  try {
    await stack?.stop();
  } finally {
    for (const server of servers) await server?.stop();
  }
}

/**
 * A stack for one test file, started in beforeAll and stopped in afterAll; the Stack it returns reaches the started
 * one (use it inside hooks and tests).
 */
export function useStack(overrides: StackOverrides = {}): Stack {
  let started: Stack | undefined;
  const current = (): Stack => {
    if (!started) throw new Error('the stack starts in beforeAll: use it inside hooks and tests');
    return started;
  };
  beforeAll(async () => {
    started = await startStack(overrides);
  });
  afterAll(async () => {
    await started?.stop();
  });
  return {
    get env() {
      return current().env;
    },
    get databaseName() {
      return current().databaseName;
    },
    get baseUrl() {
      return current().baseUrl;
    },
    get apiProcess() {
      return current().apiProcess;
    },
    get workers() {
      return current().workers;
    },
    get redis() {
      return current().redis;
    },
    get api() {
      return current().api;
    },
    sql: (text, params) => current().sql(text, params),
    startWorker: (workerOverrides, options) => current().startWorker(workerOverrides, options),
    waitUntilNoPending: (timeoutMs) => current().waitUntilNoPending(timeoutMs),
    stop: () => current().stop(),
  };
}
