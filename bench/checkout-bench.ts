import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import { Redis } from 'ioredis';
import { waitFor } from '../shared/async/wait-for';
import { signToken } from '../shared/auth/token-verifier';
import { createDatabase, quoteIdentifier, type Database } from '../shared/db/database';
import { prepareDatabase } from '../shared/db/migrate';
import { workerPoolMax } from '../shared/db/pool-size';
import { countPendingOrders } from '../shared/orders/order-repository';
import { startApiProcess, startWorkerProcess, type ServiceProcess } from '../shared/process/service-process';
import { createCheckoutQueue } from '../shared/queue/checkout-queue';
import { deleteQueueKeys } from '../shared/queue/queue-keys';

/**
 * `npm run bench`: the checkout path end to end on this machine, against the
 * local PostgreSQL and Redis, with real API and worker processes.
 *  1. accept: POST /api/checkout by many users at once (autocannon) — 202 latency and rate;
 *  2. place: how fast N worker processes × WORKER_CONCURRENCY drain those orders.
 * Writes bench/results/checkout.json and prints a table.
 */
const USERS = Number(process.env.BENCH_USERS ?? 2000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const WORKER_SETUPS = [
  { processes: 1, concurrency: 1 },
  { processes: 1, concurrency: 5 },
  { processes: 2, concurrency: 5 },
  { processes: 2, concurrency: 10 },
];
const SECRET = 'bench-secret-that-is-at-least-32-bytes-long';
const SERVER = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

async function main(): Promise<void> {
  const database = `checkout_bench_${process.pid}`;
  const url = `${SERVER}/${database}`;
  await prepareDatabase(url);
  const pool = new Pool({ connectionString: url, max: 4 });
  const db = createDatabase({ url, poolMax: 1, applicationName: 'checkout-bench' });
  const prefix = `bench-${process.pid}`;
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL: url,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: prefix,
    ML_EVENTS_STREAM: `${prefix}:ml:events`,
    JWT_SECRET: SECRET,
    MIGRATE_ON_START: 'false',
    LOG_LEVEL: 'warn',
    WORKER_METRICS_PORT: '0',
    DB_POOL_MAX: '20',
  };
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
  const queue = createCheckoutQueue(redis, prefix);
  const { api, baseUrl } = await startApiProcess(env);
  const tokens = Array.from({ length: USERS }, (_, i) =>
    signToken({ secret: SECRET }, { sub: `bench-${i}` }, '2h'),
  );
  const rows: Array<Record<string, string | number>> = [];
  try {
    await pool.query(
      `INSERT INTO products (name, price, stock, seller_id)
       SELECT 'Bench product ' || g, ((g % 50 + 1) || '.99')::numeric, 100000000, 'seller-' || (g % 5) FROM generate_series(1, 20) g`,
    );
    for (const setup of WORKER_SETUPS) {
      await resetOrders(pool, redis, prefix);
      const accept = await acceptCheckouts(baseUrl, tokens);
      // workers boot against a paused queue, so the clock measures placement, not process start-up
      await queue.pause();
      const workers: ServiceProcess[] = [];
      for (let i = 0; i < setup.processes; i += 1) {
        workers.push(await startWorkerProcess({ ...env, WORKER_CONCURRENCY: String(setup.concurrency) }, `w${i}`));
      }
      const started = performance.now();
      await queue.resume();
      await untilNoPendingOrders(db);
      const seconds = (performance.now() - started) / 1000;
      const placed = Number((await pool.query(`SELECT count(*) FROM orders WHERE status = 'placed'`)).rows[0].count);
      await Promise.all(workers.map((worker) => worker.stop('SIGTERM')));
      rows.push({
        workers: `${setup.processes} × ${setup.concurrency}`,
        'db conns (workers)': setup.processes * workerPoolMax({ DB_POOL_MAX: Number(env.DB_POOL_MAX), WORKER_CONCURRENCY: setup.concurrency }),
        'checkouts/s (202)': Math.round(accept.requests.average),
        '202 p50 ms': accept.latency.p50,
        '202 p99 ms': accept.latency.p99,
        'non-202': accept.non2xx,
        'orders placed': placed,
        'placed/s': Math.round(placed / seconds),
      });
    }
  } finally {
    await queue.close();
    await api.stop('SIGTERM');
    await pool.end();
    await db.close();
    await deleteQueueKeys(redis, prefix);
    redis.disconnect();
    const admin = new Pool({ connectionString: `${SERVER}/postgres`, max: 1 });
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)} WITH (FORCE)`);
    await admin.end();
  }
  const result = {
    at: new Date().toISOString(),
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    users: USERS,
    connections: CONNECTIONS,
    cart: '2 lines per user, 20 products shared by all',
    rows,
  };
  const out = path.resolve(__dirname, 'results/checkout.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.table(rows);
  console.log(`written to ${path.relative(process.cwd(), out)}`);
}

/** Every user has two cart lines and no order; stock is reset; the queue and stream are empty. */
async function resetOrders(pool: Pool, redis: Redis, prefix: string): Promise<void> {
  await pool.query('TRUNCATE idempotency_keys, order_status_history, order_items, outbox_events, orders, cart_items');
  await pool.query('UPDATE products SET stock = 100000000');
  await pool.query(
    `INSERT INTO cart_items (user_id, product_id, quantity)
     SELECT 'bench-' || u, p.id, 1 + (u % 3)
       FROM generate_series(0, $1 - 1) u
       JOIN LATERAL (SELECT id FROM products ORDER BY id OFFSET (u % 19) LIMIT 2) p ON true`,
    [USERS],
  );
  await deleteQueueKeys(redis, prefix);
}

function untilNoPendingOrders(db: Database): Promise<true> {
  return waitFor('every order placed', async () => (await countPendingOrders(db)) === 0, { timeoutMs: 300_000, intervalMs: 50 });
}

/** One checkout per user, `CONNECTIONS` at a time. */
function acceptCheckouts(baseUrl: string, tokens: string[]): Promise<autocannon.Result> {
  let next = 0;
  return autocannon({
    url: baseUrl,
    connections: CONNECTIONS,
    amount: tokens.length,
    requests: [
      {
        method: 'POST',
        path: '/api/checkout',
        setupRequest: (request) => ({
          ...request,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[next++ % tokens.length]}` },
          body: JSON.stringify({ contact: 'bench@example.com', address: '1 Benchmark Road, Loadtown' }),
        }),
      },
    ],
  });
}

main().catch((error: Error) => {
  console.error(error);
  process.exitCode = 1;
});
