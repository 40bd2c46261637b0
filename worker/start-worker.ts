import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { probe } from '../shared/async/with-timeout';
import type { Config } from '../shared/config/config-schema';
import { createDatabase, openWarmConnections, pingDatabase, type WarmUp } from '../shared/db/database';
import { workerPoolMax } from '../shared/db/pool-size';
import { statusAnnouncer } from '../shared/orders/status-announcements';
import { checkoutJobs, createCheckoutQueue } from '../shared/queue/checkout-queue';
import { closeRedis, createRedis, reportTrouble } from '../shared/redis/redis-connection';
import { CheckoutConsumer } from './checkout/checkout-consumer';
import { createCheckoutProcessor } from './checkout/checkout-processor';
import { groupingPlacer, PLACEMENT_STATEMENTS } from '../shared/placement/place-order';
import { startMetricsServer } from './metrics/metrics-server';
import { createWorkerMetrics } from './metrics/worker-metrics';
import { startReconciler } from './reconciler/reconciler';
import { OutboxRelay } from '../shared/events/outbox-relay';

export interface WorkerHealth {
  healthy: boolean;
  checks: { worker: 'running' | 'stopped'; postgres: 'ok' | 'error'; redis: 'ok' | 'error' };
}

export interface StartWorkerOptions {
  /** The process's own metrics (`processMetricsRegistry()`), served at /metrics beside the worker's; `worker/main.ts` passes them. */
  processMetrics?: Registry;
}

export interface RunningWorker {
  /** Stops taking jobs, finishes the ones in flight, then closes every connection. */
  stop: () => Promise<void>;
  /** What GET /health answers: the consumer runs and PostgreSQL and Redis answer. */
  health: () => Promise<WorkerHealth>;
  /** The port of its /metrics and /health endpoint; undefined when it could not listen. */
  metricsPort: number | undefined;
}

/** What a new worker readies before it consumes: a connection for each placement transaction, having planned placement's statements. */
export function workerWarmUp(config: Config): WarmUp {
  return {
    connections: config.PLACEMENT_GROUPS_IN_FLIGHT,
    statements: PLACEMENT_STATEMENTS,
  };
}

/**
 * A worker: consumes the checkout queue (WORKER_CONCURRENCY jobs at once),
 * runs the reconciler and the outbox relay, and serves /metrics and /health.
 * Run as many as you like, on any host. `worker/main.ts` runs one per process;
 * tests start it in-process too.
 */
export async function startWorker(config: Config, log: Logger, options: StartWorkerOptions = {}): Promise<RunningWorker> {
  const warmUp = workerWarmUp(config);
  const db = createDatabase({
    url: config.DATABASE_URL,
    poolMax: workerPoolMax(config),
    poolMin: warmUp.connections,
    applicationName: 'checkout-worker',
    preparedStatements: config.DB_PREPARED_STATEMENTS,
  });
  // the pool's warm connections (kept open), so that the first jobs do not open them (before the Redis connections:
  // their errors are listened for only once the consumer is built)
  await openWarmConnections(db, { ...warmUp, log });
  const queueConnection = createRedis(config.redis, 'blocking', 'checkout-worker-queue');
  // the relay's own: a durability wait (WAIT/WAITAOF) must not hold up the queue's commands
  const relayConnection = createRedis(config.redis, 'blocking', 'checkout-relay');

  const queue = createCheckoutQueue(queueConnection, config.QUEUE_PREFIX);
  const metrics = createWorkerMetrics(db, queue, queueConnection, options.processMetrics);
  const announce = statusAnnouncer(queueConnection, config.QUEUE_PREFIX, log);
  const consumer = new CheckoutConsumer(config, queue, createCheckoutProcessor(
      groupingPlacer(db, { maxInFlight: config.PLACEMENT_GROUPS_IN_FLIGHT, maxBatch: config.PLACEMENT_GROUP_MAX }),
      log,
      metrics,
      announce,
    ), log);

  const reconciler = startReconciler(
    db,
    checkoutJobs(queue),
    {
      intervalMs: config.RECONCILER_INTERVAL_MS,
      reconcileAfterMs: config.RECONCILE_AFTER_MS,
      pendingTimeoutMs: config.PENDING_TIMEOUT_MS,
    },
    log,
    {
      onResult: (result) => {
        metrics.reconcilerActions.inc({ action: 'expired' }, result.expired);
        metrics.reconcilerActions.inc({ action: 'requeued' }, result.requeued);
        metrics.reconcilerActions.inc({ action: 'retried' }, result.retried);
      },
      announce,
    },
  );
  // back after an outage: a failover may have lost the last jobs Redis acknowledged (replication is asynchronous),
  // and jobs the API could not add may be waiting for the reconciler: every pending order is seen to now
  reportTrouble(queueConnection, log, 'queue', { onBack: () => reconciler.reconcileNow() });
  reportTrouble(relayConnection, log, 'relay');
  const relay = new OutboxRelay(
    relayConnection,
    {
      sessionUrl: config.DATABASE_DIRECT_URL,
      stream: config.ML_EVENTS_STREAM,
      maxLen: config.ML_EVENTS_MAXLEN,
      batchSize: config.OUTBOX_BATCH_SIZE,
      pollMs: config.OUTBOX_POLL_MS,
      retentionHours: config.OUTBOX_RETENTION_HOURS,
      durability: config.ML_EVENTS_DURABILITY,
    },
    log,
    {
      onPublished: (count) => metrics.eventsPublished.inc(count),
      onDataLoss: (republished) => {
        metrics.eventsRepublished.inc(republished);
        reconciler.reconcileNow();
      },
    },
  );
  relay.start();

  const health = async (): Promise<WorkerHealth> => {
    const checks = {
      worker: consumer.isRunning() ? ('running' as const) : ('stopped' as const),
      postgres: await probe(() => pingDatabase(db)),
      redis: await probe(() => queueConnection.ping()),
    };
    return { healthy: checks.worker === 'running' && checks.postgres === 'ok' && checks.redis === 'ok', checks };
  };
  const metricsServer = await startMetricsServer(
    metrics.registry,
    health,
    config.WORKER_METRICS_HOST,
    config.WORKER_METRICS_PORT,
  ).catch((error: Error) => {
    // a second worker on the same host with the same port still works, only without its own endpoint
    log.error({ err: error, port: config.WORKER_METRICS_PORT }, 'metrics server not started');
    return undefined;
  });
  log.info(
    {
      concurrency: config.WORKER_CONCURRENCY,
      prefix: config.QUEUE_PREFIX,
      metrics_url: metricsServer && `http://${config.WORKER_METRICS_HOST}:${metricsServer.port}/metrics`,
    },
    'worker started',
  );

  const stop = async () => {
    log.info('stopping: no new jobs, finishing the ones in flight');
    await reconciler.stop();
    await consumer.close();
    metricsServer?.server.close();
    await relay.stop();
    await queue.close();
    await Promise.all([closeRedis(queueConnection), closeRedis(relayConnection)]);
    await db.close();
    log.info('stopped');
  };
  let stopping: Promise<void> | undefined;
  return { stop: () => (stopping ??= stop()), health, metricsPort: metricsServer?.port };
}
