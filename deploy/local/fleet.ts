import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from './wait-for';
import { signToken } from '../../shared/auth/token-verifier';
import { prepareDatabase } from '../../shared/db/migrate';
import { SERVICE_NODE_FLAGS, serviceEnv } from '../../shared/process/node-flags';
import { startDaemon, stopRecorded, tolerant, workDirectory, type TopologyRecord } from './daemon';
import { freePorts } from './free-ports';
import { startHttpBalancer } from './http-balancer';
import { startPatroniCluster } from './patroni';
import { startPgBouncer } from './pgbouncer';
import { startSentinelGroup } from './redis-sentinel';

const ROOT = path.resolve(__dirname, '../..');

/** A service process of the fleet. */
export interface FleetProcess {
  name: string;
  pid: number;
  /** The API's HTTP port, or the worker's /metrics and /health port. */
  port: number;
  logFile: string;
}

/** Everything a running fleet is, as `npm run fleet` writes it down for `stop`, `scale` and `status`. */
export interface FleetState {
  startedAt: string;
  /** The service environment every API and worker process gets (PORT and WORKER_METRICS_PORT aside). */
  env: Record<string, string>;
  apis: FleetProcess[];
  workers: FleetProcess[];
  urls: { api: string; bullBoard: string; postgresPrimary: string; pgbouncer: string; redisSentinels: string };
  /** An admin token (1 day) for Bull Board and the admin routes. */
  adminToken: string;
  bullBoard: { user: string; password: string };
  /** Where every process writes its log. */
  logDir: string;
  /** The servers under the service: Redis (Sentinel), PostgreSQL (Patroni, HAProxy, PgBouncer), the API's HAProxy. */
  topologies: TopologyRecord[];
}

export interface FleetOptions {
  apis?: number;
  workers?: number;
  log?: (message: string) => void;
}

/**
 * A whole fleet on this machine from Debian's packages and the project's
 * build (dist/): Redis behind Sentinel (a master, two replicas, three
 * sentinels), PostgreSQL on a Patroni pair behind HAProxy with PgBouncer in
 * front, `apis` API processes behind an HAProxy of their own, and `workers`
 * worker processes — all configured only by environment, as on many hosts.
 */
export async function startFleet({ apis = 2, workers = 3, log = () => undefined }: FleetOptions = {}): Promise<FleetState> {
  const logs = workDirectory('checkout-fleet-logs');
  const topologies: TopologyRecord[] = [{ pids: [], dirs: [logs.path] }];
  try {
    log('starting Redis (Sentinel) and PostgreSQL (Patroni + HAProxy)');
    const [sentinels, patroni] = await Promise.all([startSentinelGroup({ replicas: 2 }), startPatroniCluster()]);
    topologies.push(sentinels.record(), patroni.record());
    const database = 'checkout';
    const directUrl = patroni.url(database);
    log('migrating');
    await prepareDatabase(directUrl);
    const pgbouncer = await startPgBouncer({ server: { host: '127.0.0.1', port: Number(new URL(directUrl).port) } });
    topologies.push(pgbouncer.record());

    const secret = randomBytes(32).toString('base64url');
    const bullBoard = { user: 'ops', password: randomBytes(9).toString('base64url') };
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      JWT_SECRET: secret,
      DATABASE_URL: pgbouncer.via(directUrl),
      DATABASE_DIRECT_URL: directUrl,
      DB_PREPARED_STATEMENTS: 'false',
      ...sentinels.env,
      MIGRATE_ON_START: 'false',
      TRUST_PROXY: '127.0.0.1',
      BULL_BOARD_USER: bullBoard.user,
      BULL_BOARD_PASSWORD: bullBoard.password,
      WORKER_METRICS_HOST: '127.0.0.1',
    };
    const state: FleetState = {
      startedAt: new Date().toISOString(),
      env,
      apis: [],
      workers: [],
      urls: {
        api: '',
        bullBoard: '',
        postgresPrimary: directUrl,
        pgbouncer: pgbouncer.via(directUrl),
        redisSentinels: sentinels.env.REDIS_SENTINELS!,
      },
      adminToken: signToken({ secret }, { sub: 'fleet-admin', role: 'admin' }, '1d'),
      bullBoard,
      logDir: logs.path,
      topologies,
    };
    log(`starting ${apis} API processes`);
    for (let i = 0; i < apis; i += 1) state.apis.push(await startService(state, 'api', `api-${i + 1}`));
    const balancer = await startHttpBalancer(state.apis.map((api) => ({ host: '127.0.0.1', port: api.port })));
    topologies.push(balancer.record());
    state.urls.api = balancer.url;
    state.urls.bullBoard = `${balancer.url}/admin/queues`;
    log(`starting ${workers} workers`);
    await scaleWorkers(state, workers);
    return state;
  } catch (error) {
    for (const record of topologies.reverse()) await stopRecorded(record, 2_000);
    throw error;
  }
}

/** Starts or stops (SIGTERM: jobs in flight finish) workers until `count` run. */
export async function scaleWorkers(state: FleetState, count: number): Promise<void> {
  state.workers = state.workers.filter((worker) => isAlive(worker.pid));
  while (state.workers.length < count) {
    const number = Math.max(0, ...state.workers.map((worker) => Number(worker.name.split('-')[1]))) + 1;
    state.workers.push(await startService(state, 'worker', `worker-${number}`));
  }
  const surplus = state.workers.splice(count);
  await stopRecorded({ pids: surplus.map((worker) => worker.pid), dirs: [] }, 30_000);
}

/** Stops every process and server of the fleet (services first, so they drain) and removes its files. */
export async function stopFleet(state: FleetState): Promise<void> {
  await stopRecorded({ pids: [...state.apis, ...state.workers].map((service) => service.pid), dirs: [] }, 30_000);
  for (const record of [...state.topologies].reverse()) await stopRecorded(record);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts an API or worker process from dist/ as `npm run start:api` / `start:worker` do; resolves once it serves. */
async function startService(state: FleetState, kind: 'api' | 'worker', name: string): Promise<FleetProcess> {
  const [port] = await freePorts(1);
  mkdirSync(state.logDir, { recursive: true });
  const logFile = path.join(state.logDir, `${name}.log`);
  const env = serviceEnv({ ...state.env, ...(kind === 'api' ? { PORT: String(port), HOST: '127.0.0.1' } : { WORKER_METRICS_PORT: String(port) }) });
  const daemon = startDaemon(name, process.execPath, [...SERVICE_NODE_FLAGS, path.join(ROOT, `dist/${kind}/main.js`)], logFile, { env, cwd: ROOT });
  const check = kind === 'api' ? `http://127.0.0.1:${port}/health/ready` : `http://127.0.0.1:${port}/health`;
  await waitFor(
    `${name} to serve`,
    tolerant(async () => {
      if (!daemon.alive()) throw new Error(`${name} exited:\n${daemon.tail()}`);
      return (await fetch(check)).ok;
    }),
    { timeoutMs: 30_000, intervalMs: 100 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${daemon.tail()}`, { cause: error });
  });
  return { name, pid: daemon.pid, port: port!, logFile };
}
