import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { waitFor } from '../../shared/async/wait-for';
import { signToken } from '../../shared/auth/token-verifier';
import { quoteIdentifier } from '../../shared/db/database';
import { prepareDatabase } from '../../shared/db/migrate';
import { startApiProcess, startWorkerProcess, type ServiceProcess } from '../../shared/process/service-process';
import { deleteDeploymentKeys } from '../../shared/queue/queue-keys';
import { findViolations } from './chaos-invariants';
import { startSentinelGroup } from '../../deploy/local/redis-sentinel';
import { closeRedis, createRedis, type RedisClient } from '../../shared/redis/redis-connection';
import { redisTopology } from '../../shared/redis/redis-topology';

export interface ChaosOptions {
  /** Shoppers; each fills a cart and checks out once (one Idempotency-Key, retried by the client). */
  users: number;
  products: number;
  /** Stock of each product: below the demand, so some orders fail and keep their carts. */
  stock: number;
  workers: number;
  /** Checkouts start spread over this window, while the faults happen. */
  windowMs: number;
  /** A worker is SIGKILLed this often (and a new one started). */
  killEveryMs: number;
  /** When (from the start) Redis loses every key of the deployment, once. */
  flushAtMs: number;
  /** When the workers' PostgreSQL backends are terminated. */
  terminateBackendsAtMs: number[];
  /** When the API's status subscriber connection is closed by Redis (CLIENT KILL). */
  cutSubscriberAtMs: number[];
  /** Every order must be final this long after the last fault. */
  settleMs: number;
  pgServerUrl: string;
  /** The Redis server to run on, unless `redisFailoverAtMs` asks for a Sentinel group. */
  redisUrl: string;
  /**
   * When the Redis master is SIGKILLed (Sentinel promotes a replica). Non-empty: the run starts its own Sentinel
   * group (a master, two replicas, three sentinels) from Debian's packages and runs on it instead of `redisUrl`.
   */
  redisFailoverAtMs?: number[];
  /** Extra environment for API and workers. */
  env?: Record<string, string>;
  log?: (message: string) => void;
}

export interface ChaosFigures {
  orders: number;
  placed: number;
  failed: number;
  faults: { workerKills: number; redisFlushes: number; redisFailovers: number; backendTerminations: number; subscriberCuts: number };
  /** From the last fault until no order was pending. */
  secondsToAllFinal: number;
  /** Outbox rows the relays put back for publishing after the flush (from their logs). */
  eventsRepublished: number;
  checkoutRequests: number;
  longPolls: { sent: number; answered: number };
  violations: string[];
}

const SECRET = 'chaos-secret-that-is-at-least-32-bytes-long';
const CHECKOUT_BODY = { contact: 'chaos@example.com', address: '1 Chaos Lane, Faultville' };

/**
 * Many checkouts with client retries while workers are SIGKILLed, Redis
 * loses its data once (and, when asked, its master is killed and Sentinel
 * fails over), worker database backends and the API's status subscriber are
 * terminated; then waits for every order to be final and checks the
 * invariants. Real processes, the local PostgreSQL and Redis (or a Sentinel
 * group of its own), a database and key prefix of its own.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosFigures> {
  const log = options.log ?? (() => undefined);
  const run = `chaos_${process.pid}_${randomBytes(3).toString('hex')}`;
  const url = `${options.pgServerUrl}/${run}`;
  await prepareDatabase(url);
  const pool = new Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined);
  const failovers = options.redisFailoverAtMs ?? [];
  const sentinels = failovers.length > 0 ? await startSentinelGroup({ replicas: 2 }) : undefined;
  const redisEnv: Record<string, string> = sentinels ? sentinels.env : { REDIS_URL: options.redisUrl };
  const redis = createRedis(redisTopology(redisEnv), 'blocking', 'checkout-chaos');
  redis.on('error', () => undefined);
  const prefix = `chaos-${randomBytes(4).toString('hex')}`;
  const stream = `${prefix}:ml:events`;
  const env = {
    NODE_ENV: 'test',
    DATABASE_URL: url,
    ...redisEnv,
    QUEUE_PREFIX: prefix,
    ML_EVENTS_STREAM: stream,
    JWT_SECRET: SECRET,
    MIGRATE_ON_START: 'false',
    WORKER_METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const workers: ServiceProcess[] = [];
  const retired: ServiceProcess[] = [];
  let api: ServiceProcess | undefined;
  try {
    const started = await startApiProcess(env);
    api = started.api;
    const baseUrl = started.baseUrl;
    const { rows: products } = await pool.query<{ id: string }>(
      `INSERT INTO products (name, price, stock) SELECT 'Chaos ' || g, (g || '.50')::numeric, $2 FROM generate_series(1, $1) g RETURNING id`,
      [options.products, options.stock],
    );
    const initialStock = new Map(products.map(({ id }) => [id, options.stock]));

    // every shopper fills a cart through the API before the faults begin
    const users = Array.from({ length: options.users }, (_, i) => ({
      id: `chaos-${i}`,
      token: signToken({ secret: SECRET }, { sub: `chaos-${i}` }, '1h'),
      key: randomUUID(),
    }));
    const cartsAtCheckout = new Map<string, number>();
    for (const [i, user] of users.entries()) {
      const lines = 1 + (i % 2);
      for (let line = 0; line < lines; line += 1) {
        const product = products[(i + line) % products.length]!;
        await send(baseUrl, 'POST', '/api/cart', user.token, { product_id: product.id, quantity: 1 + (i % 3) }, [200, 201]);
      }
      cartsAtCheckout.set(user.id, lines);
    }
    for (let i = 0; i < options.workers; i += 1) workers.push(await startWorkerProcess(env, `worker-${i}`));
    log(`${options.users} carts filled, ${options.workers} workers up; faults for ${options.windowMs} ms`);

    const figures: ChaosFigures = {
      orders: 0,
      placed: 0,
      failed: 0,
      faults: { workerKills: 0, redisFlushes: 0, redisFailovers: 0, backendTerminations: 0, subscriberCuts: 0 },
      secondsToAllFinal: 0,
      eventsRepublished: 0,
      checkoutRequests: 0,
      longPolls: { sent: 0, answered: 0 },
      violations: [],
    };
    const start = Date.now();
    const terminate = async (applications: string[]) => {
      const { rowCount } = await pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = ANY($2)`,
        [run, applications],
      );
      return rowCount ?? 0;
    };
    const schedule = (atMs: number, fault: () => Promise<void>) =>
      new Promise<void>((resolve) => setTimeout(resolve, atMs)).then(fault);
    const faults: Array<Promise<void>> = [
      schedule(options.flushAtMs, async () => {
        // the fault itself must not fail when it meets another (a failover in progress): try again
        const deleted = await retried(() => deleteDeploymentKeys(redis, { prefix, stream }));
        figures.faults.redisFlushes += 1;
        log(`redis flushed (${deleted} keys)`);
      }),
      ...failovers.map((at) =>
        schedule(at, async () => {
          const old = await sentinels!.killMaster();
          figures.faults.redisFailovers += 1;
          log(`killed the Redis master ${old.host}:${old.port}`);
          const promoted = await sentinels!.failedOver(old);
          log(`Sentinel promoted ${promoted.host}:${promoted.port}`);
        }),
      ),
      ...options.terminateBackendsAtMs.map((at) =>
        schedule(at, async () => {
          const terminated = await terminate(['checkout-worker', 'checkout-relay']);
          figures.faults.backendTerminations += 1;
          log(`terminated ${terminated} worker backends`);
        }),
      ),
      ...options.cutSubscriberAtMs.map((at) =>
        schedule(at, async () => {
          await retried(() => killClients(redis, 'checkout-api-subscriber'));
          figures.faults.subscriberCuts += 1;
          log("cut the API's status subscriber connection");
        }),
      ),
      (async () => {
        for (let at = options.killEveryMs; at < options.windowMs; at += options.killEveryMs) {
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + at - Date.now())));
          const victim = workers.splice(Math.floor(Math.random() * workers.length), 1)[0]!;
          await victim.stop('SIGKILL');
          retired.push(victim);
          figures.faults.workerKills += 1;
          workers.push(await startWorkerProcess(env, `worker-${workers.length + retired.length}`));
          log(`killed ${victim.name}`);
        }
      })(),
    ];

    const shoppers = users.map(async (user, i) => {
      await new Promise((resolve) => setTimeout(resolve, (options.windowMs * i) / users.length));
      // a client that lost the answer retries with the same key; some send the request twice at once
      const attempt = () => send(baseUrl, 'POST', '/api/checkout', user.token, CHECKOUT_BODY, [202], { 'idempotency-key': user.key });
      figures.checkoutRequests += i % 4 === 0 ? 2 : 1;
      const accepted = await (i % 4 === 0 ? Promise.all([attempt(), attempt()]).then(([first]) => first) : attempt());
      const orderId = (accepted as { order_id: string }).order_id;
      for (;;) {
        figures.longPolls.sent += 1;
        const order = (await send(baseUrl, 'GET', `/api/orders/${orderId}?wait=5`, user.token, undefined, [200])) as { status: string };
        figures.longPolls.answered += 1;
        if (order.status !== 'pending') return;
      }
    });

    await Promise.all(faults);
    const lastFault = Date.now();
    log('faults over; waiting for every order to be final');
    await waitFor('every order final', async () => (await pool.query(`SELECT 1 FROM orders WHERE status = 'pending' LIMIT 1`)).rowCount === 0, {
      timeoutMs: options.settleMs,
      intervalMs: 100,
    }).catch((error: Error) => figures.violations.push(error.message));
    figures.secondsToAllFinal = (Date.now() - lastFault) / 1000;
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(shoppers),
      new Promise((_, reject) => {
        giveUp = setTimeout(() => reject(new Error('a shopper never saw a final status')), options.settleMs);
      }),
    ])
      .catch((error: Error) => figures.violations.push(error.message))
      .finally(() => clearTimeout(giveUp));
    await waitFor(
      'every event published',
      async () => (await pool.query(`SELECT 1 FROM outbox_events WHERE published_at IS NULL LIMIT 1`)).rowCount === 0,
      { timeoutMs: options.settleMs, intervalMs: 100 },
    ).catch((error: Error) => figures.violations.push(error.message));

    const { rows: counts } = await pool.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM orders GROUP BY status`);
    const count = (status: string) => counts.find((row) => row.status === status)?.n ?? 0;
    figures.orders = counts.reduce((sum, row) => sum + row.n, 0);
    figures.placed = count('placed');
    figures.failed = count('failed');
    figures.eventsRepublished = [...workers, ...retired]
      .flatMap((worker) => worker.lines)
      .filter((line) => line.includes('Redis lost data'))
      .reduce((sum, line) => sum + Number(/"republished":(\d+)/.exec(line)?.[1] ?? 0), 0);
    figures.violations.push(...(await findViolations(pool, redis, { stream, initialStock, cartsAtCheckout })));
    if (figures.orders !== options.users) figures.violations.push(`${figures.orders} orders for ${options.users} shoppers`);
    return figures;
  } finally {
    await Promise.all([api, ...workers].map((service) => service?.stop('SIGKILL')));
    await pool.end();
    await retried(() => deleteDeploymentKeys(redis, { prefix, stream })).catch(() => undefined);
    await closeRedis(redis);
    await sentinels?.stop();
    const admin = new Pool({ connectionString: `${options.pgServerUrl}/postgres`, max: 1 });
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(run)} WITH (FORCE)`);
    await admin.end();
  }
}

/**
 * One request as a careful client makes it: a network error or a 5xx is
 * retried (after a short pause) until one of `expected` comes back.
 */
async function send(
  baseUrl: string,
  method: string,
  path: string,
  token: string,
  body: unknown,
  expected: number[],
  headers: Record<string, string> = {},
): Promise<unknown> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      if (expected.includes(response.status)) return text ? JSON.parse(text) : undefined;
      if (response.status < 500 || attempt >= 20) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    } catch (error) {
      if (attempt >= 20 || (error as Error).message.startsWith(`${method} ${path}:`)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
  }
}

/** Runs `work` until it succeeds (at most 20 tries, 250 ms apart). */
async function retried<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Closes, on the Redis server, every client connection named `name` (CLIENT KILL by id). */
async function killClients(redis: RedisClient, name: string): Promise<number> {
  const clients = String(await redis.call('CLIENT', 'LIST'));
  const ids = [...clients.matchAll(/^id=(\d+) .* name=(\S+) /gm)].filter(([, , client]) => client === name).map(([, id]) => id!);
  for (const id of ids) await redis.call('CLIENT', 'KILL', 'ID', id);
  return ids.length;
}
