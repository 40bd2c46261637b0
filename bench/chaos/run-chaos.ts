import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { waitFor } from '../../deploy/local/wait-for';
import { signToken } from '../../shared/auth/token-verifier';
import { quoteIdentifier } from '../../shared/db/database';
import { prepareDatabase } from '../../shared/db/migrate';
import { startApiProcess, startWorkerProcess, type ServiceProcess } from '../../deploy/local/service-process';
import { deleteDeploymentKeys } from '../../deploy/local/queue-keys';
import { findViolations } from './chaos-invariants';
import { startSentinelGroup } from '../../deploy/local/redis-sentinel';
import { freePorts } from '../../deploy/local/free-ports';
import { startHttpBalancer, type HttpBalancer } from '../../deploy/local/http-balancer';
import { createHost, type LocalHost } from '../../deploy/local/netns';
import { startPatroniCluster } from '../../deploy/local/patroni';
import { startTcpProxy, type TcpProxy } from '../../deploy/local/tcp-proxy';
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
  /** API processes (1); more run behind HAProxy (round robin, health-checked), and one is SIGKILLed at each of `killApiAtMs`. */
  apis?: number;
  killApiAtMs?: number[];
  /**
   * When the PostgreSQL primary is SIGKILLed (Patroni promotes the synchronous standby). Non-empty: the run starts
   * its own Patroni pair (etcd, HAProxy on /primary) and keeps its database there instead of on `pgServerUrl`.
   */
  postgresFailoverAtMs?: number[];
  /**
   * When a worker on a host of its own (a network namespace; root only) is cut off from PostgreSQL and Redis, for
   * `partitionMs` each time, then healed. Non-empty: that worker runs beside the others.
   */
  partitionAtMs?: number[];
  partitionMs?: number;
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
  /** Where to write every process's log lines when the run ends (one file per process); unset: nowhere. */
  logDir?: string;
}

export interface ChaosFigures {
  orders: number;
  placed: number;
  failed: number;
  faults: {
    workerKills: number;
    apiKills: number;
    redisFlushes: number;
    redisFailovers: number;
    postgresFailovers: number;
    partitions: number;
    backendTerminations: number;
    subscriberCuts: number;
  };
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
  const pgFailovers = options.postgresFailoverAtMs ?? [];
  const patroni = pgFailovers.length > 0 ? await startPatroniCluster() : undefined;
  const url = patroni ? patroni.url(run) : `${options.pgServerUrl}/${run}`;
  await prepareDatabase(url);
  const pool = new Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined);
  const failovers = options.redisFailoverAtMs ?? [];
  const sentinels = failovers.length > 0 ? await startSentinelGroup({ replicas: 2 }) : undefined;
  const redisEnv: Record<string, string> = sentinels ? sentinels.env : { REDIS_URL: options.redisUrl };
  const redis = createRedis(redisTopology(redisEnv), 'blocking', 'checkout-chaos');
  redis.on('error', () => undefined);
  /** The Redis server to forward a partitioned host's worker to: the Sentinel master now, or the one server. */
  const redisMaster = async () => (sentinels ? sentinels.master() : hostPortOf(options.redisUrl));
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
  const apis: Array<{ process: ServiceProcess; port: number }> = [];
  let balancer: HttpBalancer | undefined;
  let partitioned: { host: LocalHost; proxies: TcpProxy[] } | undefined;
  /** Set when the run ends: shoppers still retrying give up instead of failing after it. */
  let stopped = false;
  const send: typeof sendRequest = (...args) => (stopped ? Promise.resolve(undefined) : sendRequest(...args));
  try {
    const apiCount = options.apis ?? 1;
    const apiPorts = await freePorts(apiCount);
    for (const [i, port] of apiPorts.entries()) {
      apis.push({ process: (await startApiProcess(env, { port, name: `api-${i + 1}` })).api, port });
    }
    if (apiCount > 1) balancer = await startHttpBalancer(apiPorts.map((port) => ({ host: '127.0.0.1', port })));
    const baseUrl = balancer?.url ?? `http://127.0.0.1:${apiPorts[0]}`;
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
    if ((options.partitionAtMs ?? []).length > 0) {
      // one more worker, on a host of its own: it reaches PostgreSQL and Redis through forwarders on the link
      const host = createHost();
      const database = new URL(url);
      // its Redis forwarder follows the master, as HAProxy checking `role:master` would (Sentinel would hand the host
      // addresses on the machine's loopback, which it cannot reach)
      const proxies = await Promise.all([
        startTcpProxy({ host: database.hostname, port: Number(database.port || 5432) }, { listenHost: host.machineAddress }),
        startTcpProxy(redisMaster, { listenHost: host.machineAddress }),
      ]);
      partitioned = { host, proxies };
      const hostEnv = { ...env, DATABASE_URL: proxies[0].via(url), REDIS_URL: `redis://${host.machineAddress}:${proxies[1].port}`, REDIS_SENTINELS: '', REDIS_SENTINEL_NAME: '' };
      retired.push(await startWorkerProcess(hostEnv, 'worker-on-its-own-host', { wrap: host.wrap }));
    }
    log(`${options.users} carts filled, ${options.workers} workers up; faults for ${options.windowMs} ms`);

    const figures: ChaosFigures = {
      orders: 0,
      placed: 0,
      failed: 0,
      faults: { workerKills: 0, apiKills: 0, redisFlushes: 0, redisFailovers: 0, postgresFailovers: 0, partitions: 0, backendTerminations: 0, subscriberCuts: 0 },
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
      ...pgFailovers.map((at) =>
        schedule(at, async () => {
          const old = await patroni!.killPrimary();
          figures.faults.postgresFailovers += 1;
          log(`killed the PostgreSQL primary ${old.name}`);
          const promoted = await patroni!.promoted(old);
          log(`Patroni promoted ${promoted.name}`);
        }),
      ),
      ...(options.killApiAtMs ?? []).map((at) =>
        schedule(at, async () => {
          const victim = apis[Math.floor(Math.random() * apis.length)]!;
          await victim.process.stop('SIGKILL');
          figures.faults.apiKills += 1;
          log(`killed ${victim.process.name}; HAProxy sends its traffic to the others`);
          // a restart during a failover waits for the database; on a busy machine that is slow
          victim.process = (await startApiProcess(env, { port: victim.port, name: victim.process.name, timeoutMs: 60_000 })).api;
        }),
      ),
      ...(options.partitionAtMs ?? []).map((at) =>
        schedule(at, async () => {
          partitioned!.host.partition();
          figures.faults.partitions += 1;
          log(`cut the worker on its own host off for ${options.partitionMs ?? 10_000} ms`);
          await new Promise((resolve) => setTimeout(resolve, options.partitionMs ?? 10_000));
          partitioned!.host.heal();
          log('healed its link');
        }),
      ),
      ...options.terminateBackendsAtMs.map((at) =>
        schedule(at, async () => {
          const terminated = await retried(() => terminate(['checkout-worker', 'checkout-relay']));
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
      if (stopped) return;
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

    // if a fault fails the run, the shoppers are not awaited: their failures then belong to no one
    for (const shopper of shoppers) shopper.catch(() => undefined);
    await Promise.all(faults);
    const lastFault = Date.now();
    log('faults over; waiting for every order to be final');
    // a database failing over answers nothing for a while: not yet
    const none = (sql: string) => async () => (await pool.query(sql).catch(() => undefined))?.rowCount === 0;
    await waitFor('every order final', none(`SELECT 1 FROM orders WHERE status = 'pending' LIMIT 1`), {
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
      none(`SELECT 1 FROM outbox_events WHERE published_at IS NULL LIMIT 1`),
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
    // read the stream on a connection of its own: the run's own went through every fault and may have given up
    const checker = createRedis(redisTopology(redisEnv), 'blocking', 'checkout-chaos-check');
    checker.on('error', () => undefined);
    try {
      figures.violations.push(...(await retried(() => findViolations(pool, checker, { stream, initialStock, cartsAtCheckout }))));
    } finally {
      await closeRedis(checker);
    }
    if (figures.orders !== options.users) figures.violations.push(`${figures.orders} orders for ${options.users} shoppers`);
    return figures;
  } finally {
    stopped = true;
    partitioned?.host.heal();
    const services = [...apis.map((api) => api.process), ...workers, ...retired];
    if (options.logDir) writeLogs(options.logDir, services);
    await Promise.all(services.map((service) => service.stop('SIGKILL')));
    await balancer?.stop();
    if (partitioned) {
      await Promise.all(partitioned.proxies.map((proxy) => proxy.close()));
      partitioned.host.remove();
    }
    await pool.end();
    await retried(() => deleteDeploymentKeys(redis, { prefix, stream })).catch(() => undefined);
    await closeRedis(redis);
    await sentinels?.stop();
    if (patroni) {
      // its own cluster: its files go with it
      await patroni.stop();
    } else {
      const admin = new Pool({ connectionString: `${options.pgServerUrl}/postgres`, max: 1 });
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(run)} WITH (FORCE)`);
      await admin.end();
    }
  }
}

/**
 * One request as a careful client makes it: a network error or a 5xx is
 * retried (after a short pause) until one of `expected` comes back.
 */
async function sendRequest(
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
      if (response.status < 500 || attempt >= 40) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    } catch (error) {
      if (attempt >= 40 || (error as Error).message.startsWith(`${method} ${path}:`)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
  }
}

/** Writes each process's log lines to `<dir>/<name>[-n].log` (an API restarted keeps its name: numbered). */
function writeLogs(dir: string, services: ServiceProcess[]): void {
  mkdirSync(dir, { recursive: true });
  const seen = new Map<string, number>();
  for (const service of services) {
    const n = (seen.get(service.name) ?? 0) + 1;
    seen.set(service.name, n);
    writeFileSync(join(dir, `${service.name}${n > 1 ? `-${n}` : ''}.log`), `${service.lines.join('\n')}\n`);
  }
}

/** Runs `work` until it succeeds (at most 20 tries, 250 ms apart). */
async function retried<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= 40) throw error;
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

function hostPortOf(url: string): { host: string; port: number } {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port || 6379) };
}
