import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Pool, type PoolConfig } from 'pg';
import { waitFor } from '../../deploy/local/wait-for';
import type { Role } from '../../shared/auth/roles';
import { signToken } from '../../shared/auth/token-verifier';
import { openAndPlan, quoteIdentifier } from '../../shared/db/database';
import type { Statement } from '../../shared/db/prepared';
import { prepareDatabase } from '../../shared/db/migrate';
import { spawnService, type ServiceProcess } from '../../deploy/local/service-process';
import { createCheckoutQueue } from '../../shared/queue/checkout-queue';
import { deleteDeploymentKeys } from '../../deploy/local/queue-keys';
import { RssSampler } from './rss-sampler';
import { startHttpBalancer } from '../../deploy/local/http-balancer';
import { createRedis, type RedisClient } from '../../shared/redis/redis-connection';

export interface EnvironmentOptions {
  /**
   * `compiled`: build (`npm run build`) and run dist/ with plain node, as
   * `npm run start:api` / `start:worker` do; `sources`: the TypeScript
   * sources through tsx (`npm run dev`).
   */
  runtime: 'compiled' | 'sources';
  /** postgres://user@host:port of the server the bench database is created on. */
  pgServerUrl: string;
  redisUrl: string;
  log: (message: string) => void;
}

const ROOT = path.resolve(__dirname, '../..');
const execFileAsync = promisify(execFile);

/** Tokens live this long: the whole run, well under JWT_MAX_AGE_SECONDS. */
const TOKEN_TTL = '2h';

/**
 * Everything one bench run stands on: its own database (created, migrated,
 * dropped at the end), its own Redis key prefix, a random JWT secret, the
 * API as a real child process (as `npm run start:api` runs it) and workers
 * started and stopped per measurement (as `npm run start:worker`), their
 * memory sampled throughout.
 */
export class BenchEnvironment {
  readonly rss = new RssSampler();
  private readonly workers = new Set<ServiceProcess>();
  /** Every service process started and not yet exited (APIs included): `close` stops what is left. */
  private readonly running = new Set<ServiceProcess>();
  private readonly tokens = new Map<string, string>();
  private workerCount = 0;
  private api?: ServiceProcess;
  private closing?: Promise<void>;
  baseUrl = '';

  private constructor(
    readonly options: EnvironmentOptions,
    readonly databaseName: string,
    readonly databaseUrl: string,
    readonly prefix: string,
    private readonly secret: string,
    /** The bench's own connections: fixtures and observation (never part of a measured path). */
    readonly pool: Pool,
    readonly redis: RedisClient,
    readonly queue: ReturnType<typeof createCheckoutQueue>,
    /** Where each service process's log goes (`<name>.log`); removed when the environment closes. */
    readonly logDir: string,
  ) {}

  static async start(options: EnvironmentOptions): Promise<BenchEnvironment> {
    if (options.runtime === 'compiled') {
      // as `npm run start:*` does: compile only when a source changed since the last build
      options.log('building dist/ if a source changed (scripts/build.js --if-stale)');
      await execFileAsync(process.execPath, ['scripts/build.js', '--if-stale'], { cwd: ROOT });
    }
    const run = `${process.pid}_${randomBytes(3).toString('hex')}`;
    const databaseName = `checkout_bench_${run}`;
    const databaseUrl = `${options.pgServerUrl}/${databaseName}`;
    await prepareDatabase(databaseUrl);
    const pool = new Pool({ connectionString: databaseUrl, max: 4, application_name: 'checkout-bench' });
    pool.on('error', () => undefined);
    const redis = createRedis({ kind: 'server', url: options.redisUrl }, 'blocking', 'checkout-bench');
    const prefix = `bench-${run}`;
    const environment = new BenchEnvironment(
      options,
      databaseName,
      databaseUrl,
      prefix,
      randomBytes(32).toString('base64url'),
      pool,
      redis,
      createCheckoutQueue(redis, prefix),
      mkdtempSync(path.join(os.tmpdir(), `checkout-bench-logs-${run}-`)),
    );
    try {
      await environment.startApi();
    } catch (error) {
      await environment.close();
      throw error;
    }
    return environment;
  }

  /** The ML stream of the bench's deployment. */
  get stream(): string {
    return `${this.prefix}:ml:events`;
  }

  /**
   * The environment of every API and worker process: production mode, the service's defaults otherwise — logging
   * included (LOG_LEVEL info: a line per request), each process's standard output going to a file of its own in
   * `logDir`, as to a deployment's log collector.
   */
  get serviceEnv(): Record<string, string> {
    return {
      NODE_ENV: 'production',
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.options.redisUrl,
      QUEUE_PREFIX: this.prefix,
      ML_EVENTS_STREAM: this.stream,
      JWT_SECRET: this.secret,
      MIGRATE_ON_START: 'false',
      WORKER_METRICS_PORT: '0',
    };
  }

  /** A bearer token for `userId` (made once per user). */
  token(userId: string, role?: Role): string {
    const cacheKey = `${role ?? 'customer'}:${userId}`;
    let token = this.tokens.get(cacheKey);
    if (!token) {
      token = signToken({ secret: this.secret }, { sub: userId, role }, TOKEN_TTL);
      this.tokens.set(cacheKey, token);
    }
    return token;
  }

  /** A pg pool on the bench database, for a floor; the caller ends it. */
  newPool(max: number, applicationName: string, extra: PoolConfig = {}): Pool {
    const pool = new Pool({ connectionString: this.databaseUrl, max, application_name: applicationName, ...extra });
    pool.on('error', () => undefined);
    return pool;
  }

  /**
   * A floor's pool with its `max` connections open, each having planned `statements` as the service's warm
   * connections have (openWarmConnections): the floor's clock never times a new PostgreSQL backend's first statements
   * (which had put the fixed-rate floor's p99 at 94-193 ms: its first ~45 checkouts, 8-13 ms with warm connections).
   */
  async warmPool(max: number, applicationName: string, statements: readonly Statement[]): Promise<Pool> {
    // no idle timeout: a warm connection that goes unused for a while in a run stays warm, as the service's do
    const pool = this.newPool(max, applicationName, { idleTimeoutMillis: 0 });
    try {
      await openAndPlan(max, { open: () => pool.connect(), release: (client) => client.release() }, statements);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return pool;
  }

  get apiPid(): number {
    return this.api!.child.pid!;
  }

  /**
   * Starts `count` worker processes with the default settings and resolves
   * once each consumes the queue (BullMQ names its consumer connections, so
   * the queue counts them). Start them against a paused queue to time
   * placement without process start-up. `env` is laid over the service's
   * environment (e.g. a pooler's DATABASE_URL).
   */
  async startWorkers(count: number, env: Record<string, string> = {}): Promise<ServiceProcess[]> {
    const before = await this.queue.getWorkersCount();
    const started = Array.from({ length: count }, () => {
      this.workerCount += 1;
      const worker = this.spawn(`worker-${this.workerCount}`, 'worker/main', env);
      this.workers.add(worker);
      return worker;
    });
    await waitFor(
      `${count} worker process(es) consuming the queue`,
      async () => {
        const dead = started.find((worker) => worker.child.exitCode !== null || worker.child.signalCode !== null);
        if (dead) throw new Error(`${dead.name} exited while starting:\n${this.lastLines(dead)}`);
        return (await this.queue.getWorkersCount()) >= before + count;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    for (const worker of started) this.rss.watch(worker.child.pid!, 'worker');
    return started;
  }

  /**
   * Spawns one service process as `npm run start:api` / `start:worker` run it (compiled: plain node with the
   * service's flags), without waiting for anything: for timing a cold start. `stopWorkers` stops it.
   */
  spawnCold(kind: 'api' | 'worker', env: Record<string, string> = {}): ServiceProcess {
    this.workerCount += 1;
    const service = this.spawn(`${kind}-cold-${this.workerCount}`, `${kind}/main`, env);
    this.workers.add(service);
    return service;
  }

  /**
   * The API as `count` processes behind HAProxy (deploy/local/http-balancer, as `npm run fleet` runs it): the
   * running API and `count - 1` more. Resolves with HAProxy's URL, once every process answers through it, and a
   * stop for what it started.
   */
  async balancedApis(count: number): Promise<{ url: string; pids: { apis: number[]; balancer: number[] }; stop: () => Promise<void> }> {
    const extra: Array<{ process: ServiceProcess; url: string }> = [];
    try {
      for (let i = 1; i < count; i += 1) extra.push(await this.spawnApi(`api-${i + 1}`));
    } catch (error) {
      await Promise.all(extra.map(({ process }) => process.stop('SIGTERM')));
      throw error;
    }
    const backends = [this.baseUrl, ...extra.map(({ url }) => url)].map((url) => ({ host: '127.0.0.1', port: Number(new URL(url).port) }));
    const balancer = await startHttpBalancer(backends);
    return {
      url: balancer.url,
      pids: { apis: [this.apiPid, ...extra.map(({ process }) => process.child.pid!)], balancer: balancer.record().pids },
      stop: async () => {
        await balancer.stop();
        for (const { process } of extra) this.rss.unwatch(process.child.pid!);
        await Promise.all(extra.map(({ process }) => process.stop('SIGTERM')));
      },
    };
  }

  /** SIGTERM (the graceful stop) and wait for the exits. */
  async stopWorkers(workers: ServiceProcess[]): Promise<void> {
    await Promise.all(
      workers.map(async (worker) => {
        this.rss.unwatch(worker.child.pid!);
        await worker.stop('SIGTERM');
        this.workers.delete(worker);
      }),
    );
  }

  /**
   * Stops every process, drops the database and deletes the Redis keys. Safe after a partial start, and while a
   * measurement is still running (an aborted run): no process starts after it, and a second call gets the same close.
   */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    this.rss.stop();
    await this.stopWorkers([...this.workers]).catch(() => undefined);
    // the API, and extra APIs whose measurement is still running when an aborted run closes
    await Promise.all([...this.running].map((service) => service.stop('SIGTERM')));
    await this.queue.close().catch(() => undefined);
    await deleteDeploymentKeys(this.redis, { prefix: this.prefix, stream: this.stream }).catch(() => undefined);
    this.redis.disconnect();
    await this.pool.end().catch(() => undefined);
    rmSync(this.logDir, { recursive: true, force: true });
    const admin = new Pool({ connectionString: `${this.options.pgServerUrl}/postgres`, max: 1 });
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(this.databaseName)} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }

  private logFile(name: string): string {
    return path.join(this.logDir, `${name}.log`);
  }

  /** What a process that failed to start last wrote: the end of its log, then of its standard error. */
  private lastLines(service: ServiceProcess): string {
    let log: string[] = [];
    try {
      log = readFileSync(this.logFile(service.name), 'utf8').trimEnd().split('\n');
    } catch {
      // no log written
    }
    return [...log.slice(-20), ...service.lines.slice(-20)].join('\n');
  }

  private entry(main: 'api/main' | 'worker/main'): string {
    return this.options.runtime === 'compiled' ? `dist/${main}.js` : `${main}.ts`;
  }

  /** A service process with the bench's environment (`env` laid over it), kept in `running`; none once closing. */
  private spawn(name: string, main: 'api/main' | 'worker/main', env: Record<string, string>): ServiceProcess {
    if (this.closing) throw new Error(`the bench environment is closed: ${name} not started`);
    const service = spawnService(name, this.entry(main), { ...this.serviceEnv, ...env }, { logFile: this.logFile(name) });
    this.running.add(service);
    void service.exited.then(() => this.running.delete(service));
    return service;
  }

  /**
   * The API with the bench's environment on a free port. Not startApiProcess:
   * that one reads the "listening" line from the process's output, which the
   * bench sends to a file instead; it waits for `GET /` to answer (and for
   * the workers, for the queue to count their consumers).
   */
  private async startApi(): Promise<void> {
    const { process, url } = await this.spawnApi('api');
    this.api = process;
    this.baseUrl = url;
  }

  /**
   * Another API process (`env` laid over the service's environment: e.g. rate limits off), started now: fresh, as a
   * user meets a new process. Resolves once it answers, with its URL and a stop.
   */
  async extraApi(name: string, env: Record<string, string> = {}): Promise<{ url: string; stop: () => Promise<void> }> {
    const { process, url } = await this.spawnApi(name, env);
    return {
      url,
      stop: async () => {
        this.rss.unwatch(process.child.pid!);
        await process.stop('SIGTERM');
      },
    };
  }

  /** An API process with the bench's environment on a free port, once it answers `GET /`; its memory sampled. */
  private async spawnApi(name: string, env: Record<string, string> = {}): Promise<{ process: ServiceProcess; url: string }> {
    const port = await freePort();
    const api = this.spawn(name, 'api/main', { ...env, PORT: String(port), HOST: '127.0.0.1' });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitFor(
        `${name} to answer GET /`,
        async () => {
          if (api.child.exitCode !== null || api.child.signalCode !== null) {
            throw new Error(`${name} exited while starting:\n${this.lastLines(api)}`);
          }
          return fetch(`${url}/`).then(
            (response) => response.ok,
            () => false,
          );
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );
    } catch (error) {
      await api.stop('SIGKILL');
      throw error;
    }
    this.rss.watch(api.child.pid!, 'api');
    return { process: api, url };
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
