import { Pool } from 'pg';
import { Redis } from 'ioredis';
import { deleteQueueKeys } from '../../shared/queue/queue-keys';
import { untilNoPendingOrders } from './data-waits';
import { startApiProcess, startWorkerProcess, type ServiceProcess } from '../../shared/process/service-process';
import { createTestDatabase } from './test-database';
import { testEnv } from './test-app';
import { tokenFor } from './tokens';

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * A whole deployment in child processes for one test file: its own database
 * and queue prefix, an API process, and as many worker processes as a test
 * starts. `sql` and `redis` look at the data from outside.
 */
export interface Stack {
  env: Record<string, string>;
  databaseName: string;
  baseUrl: string;
  api: ServiceProcess;
  workers: ServiceProcess[];
  sql: <T = any>(text: string, params?: unknown[]) => Promise<T[]>;
  redis: Redis;
  http: <T = any>(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }) => Promise<HttpResult<T>>;
  startWorker: (overrides?: Record<string, string>) => Promise<ServiceProcess>;
  /** Creates a product through the admin API; returns its id. */
  createProduct: (values: { name?: string; price: string; stock: number }) => Promise<string>;
  /** Polls the database until no order is pending (or fails after `timeoutMs`). */
  waitUntilNoPending: (timeoutMs?: number) => Promise<void>;
  stop: () => Promise<void>;
}

export async function startStack(overrides: Record<string, string> = {}): Promise<Stack> {
  const database = await createTestDatabase();
  const env = testEnv(database.url, overrides);
  const { api, baseUrl } = await startApiProcess(env);
  const pool = new Pool({ connectionString: database.url, max: 4, application_name: 'checkout-test' });
  // idle connections are cut when the database is dropped at the end
  pool.on('error', () => undefined);
  const redis = new Redis(env.REDIS_URL!, { maxRetriesPerRequest: null });
  const workers: ServiceProcess[] = [];
  const admin = tokenFor('admin-1', 'admin');

  const stack: Stack = {
    env,
    databaseName: database.name,
    baseUrl,
    api,
    workers,
    redis,
    sql: async (text, params = []) => (await pool.query(text, params)).rows,
    http: async (method, path, { token, body, headers = {} } = {}) => {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(token && { authorization: `Bearer ${token}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
    },
    startWorker: async (workerOverrides = {}) => {
      const worker = await startWorkerProcess({ ...env, ...workerOverrides }, `worker-${workers.length + 1}`);
      workers.push(worker);
      return worker;
    },
    createProduct: async ({ name = 'Product', price, stock }) => {
      const res = await stack.http('POST', '/api/admin/products', { token: admin, body: { name, price, stock } });
      if (res.status !== 201) throw new Error(`product not created: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id as string;
    },
    waitUntilNoPending: (timeoutMs) => untilNoPendingOrders(pool, timeoutMs),
    stop: async () => {
      await Promise.all([api, ...workers].map((process) => process.stop('SIGKILL')));
      await pool.end();
      await deleteQueueKeys(redis, env.QUEUE_PREFIX!);
      redis.disconnect();
      await database.drop();
    },
  };
  return stack;
}

/** Puts `quantity` of a product in the user's cart and checks out; returns the order id. */
export async function checkoutOne(stack: Stack, user: string, productId: string, quantity = 1): Promise<string> {
  const token = tokenFor(user);
  const added = await stack.http('POST', '/api/cart', { token, body: { product_id: productId, quantity } });
  if (added.status !== 201 && added.status !== 200) throw new Error(`add to cart: ${added.status} ${JSON.stringify(added.body)}`);
  const accepted = await stack.http('POST', '/api/checkout', {
    token,
    body: { contact: `${user}@example.com`, address: '1 Test Street, Testville' },
  });
  if (accepted.status !== 202) throw new Error(`checkout: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  return accepted.body.order_id as string;
}
