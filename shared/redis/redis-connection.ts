import calculateSlot from 'cluster-key-slot';
import type { WarnLog } from '../logging/logger';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { withTimeout } from '../async/with-timeout';
import type { RedisTopology } from './redis-topology';

/** A connection to whichever Redis topology is configured: one server or a Sentinel master (Redis), or a Cluster. */
export type RedisClient = Redis | Cluster;

/**
 * What a connection is for:
 * - `request`: request paths (API, rate limits, the queue producer) — commands fail at once while Redis is
 *   unreachable (no offline queue) or slow (command timeout) instead of hanging the caller;
 * - `blocking`: BullMQ workers, the relay, stream readers and scripts — commands wait out a reconnect or a
 *   failover (`maxRetriesPerRequest: null`, as BullMQ requires for workers).
 */
export type RedisRole = 'request' | 'blocking';

const CONNECT_TIMEOUT_MS = 2_000;
const REQUEST_COMMAND_TIMEOUT_MS = 2_000;
const RECONNECT_MAX_DELAY_MS = 2_000;

/**
 * The one place Redis connections are made: every Redis user (API, queue,
 * workers, relay, rate limits, Bull Board, scripts, tests) calls this with
 * the configured topology, so a new topology is one change here.
 */
export function createRedis(topology: RedisTopology, role: RedisRole, connectionName: string): RedisClient {
  const redis = connect(topology, role, connectionName);
  keepAnswering(redis);
  return redis;
}

function connect(topology: RedisTopology, role: RedisRole, connectionName: string): RedisClient {
  const options: RedisOptions = {
    connectionName,
    password: topology.password,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // a master that turned replica (failover) answers writes with READONLY: reconnect to the new master and resend
    reconnectOnError: (error) => (/^READONLY/.test(error.message) ? 2 : false),
    ...(role === 'request'
      ? { maxRetriesPerRequest: 1, commandTimeout: REQUEST_COMMAND_TIMEOUT_MS }
      : { maxRetriesPerRequest: null }),
  };
  const offlineQueue = { enableOfflineQueue: role === 'blocking' };
  switch (topology.kind) {
    case 'server':
      return new Redis(topology.url, { ...options, ...offlineQueue, retryStrategy: backoff });
    case 'sentinel':
      return new Redis({
        ...options,
        ...offlineQueue,
        sentinels: topology.sentinels,
        name: topology.name,
        sentinelPassword: topology.sentinelPassword,
        // Not ioredis's failoverDetector (+switch-master): when the message comes while a connection is reconnecting, it
        // aborts the attempt and the connection ends for good ("Connection is closed.": 3-4 of 300 connections per
        // failover, measured). Without it a failover is still followed: the old master's socket closes (or is demoted:
        // Redis then closes its clients, and READONLY reconnects), a silent one fails the heartbeat below, and each
        // reconnect asks the sentinels for the master.
        failoverDetector: false,
        retryStrategy: backoff,
        sentinelRetryStrategy: backoff,
      });
    case 'cluster': {
      const { maxRetriesPerRequest, ...nodeOptions } = options;
      const clusterOptions: ClusterOptions = {
        ...offlineQueue,
        // BullMQ reads a cluster's maxRetriesPerRequest from its node options
        redisOptions: { ...nodeOptions, maxRetriesPerRequest },
        clusterRetryStrategy: backoff,
        // a master failing over answers CLUSTERDOWN or moves its slots: retry a little before failing the command
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 200,
        slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
      };
      return new Cluster(topology.nodes, clusterOptions);
    }
  }
}

const HEARTBEAT_EVERY_MS = 5_000;
const HEARTBEAT_TIMEOUT_MS = 3_000;

/**
 * A connection that is up but silently dropped (a partition, a NAT or load
 * balancer that forgot the flow) never errors: commands just wait. Every few
 * seconds a PING must come back in time, or the connection is dropped and
 * made again (with the topology's discovery: the current master).
 */
function keepAnswering(redis: RedisClient): void {
  let timer: NodeJS.Timeout | undefined;
  const beat = async () => {
    if (redis.status === 'ready') {
      let timeout: NodeJS.Timeout | undefined;
      const answered = await Promise.race([
        // a refused PING (closed, reconnecting) is the client's own business; only silence is ours
        redis.ping().then(
          () => true,
          (error: Error) => !/Command timed out/.test(error.message),
        ),
        new Promise<false>((resolve) => (timeout = setTimeout(() => resolve(false), HEARTBEAT_TIMEOUT_MS))),
      ]);
      clearTimeout(timeout);
      if (!answered && redis.status === 'ready') {
        if (redis.listenerCount('error') > 0) {
          redis.emit('error', new Error(`no answer to PING within ${HEARTBEAT_TIMEOUT_MS} ms: reconnecting`));
        }
        redis.disconnect(true);
      }
    }
    if (redis.status !== 'end') timer = setTimeout(beat, HEARTBEAT_EVERY_MS).unref();
  };
  timer = setTimeout(beat, HEARTBEAT_EVERY_MS).unref();
  redis.once('end', () => clearTimeout(timer));
}

/** Reconnect delay: exponential from 100 ms up to 2 s, with jitter so a fleet does not reconnect in step. */
function backoff(attempt: number): number {
  const ceiling = Math.min(100 * 2 ** Math.min(attempt, 5), RECONNECT_MAX_DELAY_MS);
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/** The master nodes to run a per-node command on (SCAN): every master of a Cluster, else the one connection. */
export function masterNodes(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

/**
 * The connection to the master that holds `key`, for commands that name no
 * key but concern it (WAIT, WAITAOF): on a Cluster, the master of the key's
 * slot (as the client last learned the slot map), else the one connection.
 */
export function nodeForKey(redis: RedisClient, key: string): Redis {
  if (!(redis instanceof Cluster)) return redis;
  const [master] = redis.slots[calculateSlot(key)] ?? [];
  const node = redis.nodes('master').find(({ options }) => `${options.host}:${options.port}` === master);
  if (!node) throw new Error(`no known master for the hash slot of ${key}`);
  return node;
}

/** Waits until the connection is ready (or gives up after `timeoutMs`); never rejects. */
export function untilReady(redis: RedisClient, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
  });
}

const QUIT_TIMEOUT_MS = 2_000;

/** Closes a connection: QUIT when it is up (pending replies arrive first, for at most 2 s), else drops it. */
export async function closeRedis(redis: RedisClient): Promise<void> {
  if (redis.status === 'ready') await withTimeout(QUIT_TIMEOUT_MS, redis.quit()).catch(() => undefined);
  // also ends what QUIT leaves behind: a Sentinel client's failover-detector subscriptions to the sentinels
  redis.disconnect();
}

/** What `reportTrouble` logs with (pino's Logger and Fastify's fit). */
interface TroubleLog extends WarnLog {
  info: (object: object, message: string) => void;
}

const TROUBLE_REPEAT_MS = 10_000;

/**
 * Logs a connection's trouble without flooding: the first error of an
 * outage, then at most one line per 10 s with how many errors came
 * meanwhile (a reconnect loop errors every few hundred ms), and one line
 * when the connection is ready again (then `onBack` is called). Returns the error handler, for other
 * emitters of the same trouble (a BullMQ Worker's connection errors).
 */
export function reportTrouble(
  redis: RedisClient,
  log: TroubleLog,
  connection: string,
  { onBack = () => undefined }: { onBack?: () => void } = {},
): (error: Error) => void {
  let errors = 0;
  let lastLogged = 0;
  const onError = (error: Error) => {
    errors += 1;
    if (Date.now() - lastLogged < TROUBLE_REPEAT_MS) return;
    lastLogged = Date.now();
    log.warn({ err: error, connection, errors }, 'redis connection error');
  };
  redis.on('error', onError);
  redis.on('ready', () => {
    if (errors > 0) {
      log.info({ connection, errors }, 'redis connection ready again');
      onBack();
    }
    errors = 0;
    lastLogged = 0;
  });
  return onError;
}
