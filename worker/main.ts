import { Worker } from 'bullmq';
import { loadConfig } from '../shared/config/load-config';
import { createSequelize } from '../shared/db/database';
import { createLogger } from '../shared/logging/logger';
import {
  CHECKOUT_QUEUE,
  createCheckoutQueue,
  type CheckoutJobData,
  type CheckoutJobResult,
} from '../shared/queue/checkout-queue';
import { createBlockingRedis } from '../shared/redis/redis-connection';
import { createCheckoutProcessor } from './checkout/checkout-processor';
import { probe } from '../shared/async/with-timeout';
import { createWorkerMetrics } from './metrics/worker-metrics';
import { startMetricsServer } from './metrics/metrics-server';
import { startReconciler } from './reconciler/reconciler';
import { OutboxRelay } from './relay/outbox-relay';

/**
 * A worker process: consumes the checkout queue (WORKER_CONCURRENCY jobs at
 * once) and runs the reconciler. Run as many as you like, on any host.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config, 'checkout-worker');
  // every concurrent job holds one connection for its transaction; the reconciler needs one more
  const db = createSequelize({
    url: config.DATABASE_URL,
    poolMax: Math.max(config.DB_POOL_MAX, config.WORKER_CONCURRENCY + 2),
    applicationName: 'checkout-worker',
  });
  const workerConnection = createBlockingRedis(config.REDIS_URL);
  const queueConnection = createBlockingRedis(config.REDIS_URL);
  for (const connection of [workerConnection, queueConnection]) {
    connection.on('error', (error) => log.warn({ err: error }, 'redis connection error'));
  }

  const queue = createCheckoutQueue(queueConnection, config.QUEUE_PREFIX);
  const metrics = createWorkerMetrics(db, queue);
  const worker = new Worker<CheckoutJobData, CheckoutJobResult>(CHECKOUT_QUEUE, createCheckoutProcessor(db, log, metrics), {
    connection: workerConnection,
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    lockDuration: config.WORKER_LOCK_DURATION_MS,
    stalledInterval: config.WORKER_STALLED_INTERVAL_MS,
    maxStalledCount: 3,
  });
  worker.on('error', (error) => log.error({ err: error }, 'worker error'));
  worker.on('stalled', (jobId) => log.warn({ job_id: jobId, order_id: jobId }, 'job stalled, handed to another worker'));

  const reconciler = startReconciler(
    db,
    queue,
    {
      intervalMs: config.RECONCILER_INTERVAL_MS,
      reconcileAfterMs: config.RECONCILE_AFTER_MS,
      pendingTimeoutMs: config.PENDING_TIMEOUT_MS,
    },
    log,
    (result) => {
      metrics.reconcilerActions.inc({ action: 'expired' }, result.expired);
      metrics.reconcilerActions.inc({ action: 'requeued' }, result.requeued);
      metrics.reconcilerActions.inc({ action: 'retried' }, result.retried);
    },
  );
  const relay = new OutboxRelay(
    queueConnection,
    {
      databaseUrl: config.DATABASE_URL,
      stream: config.ML_EVENTS_STREAM,
      maxLen: config.ML_EVENTS_MAXLEN,
      batchSize: config.OUTBOX_BATCH_SIZE,
      pollMs: config.OUTBOX_POLL_MS,
      retentionHours: config.OUTBOX_RETENTION_HOURS,
    },
    log,
    (count) => metrics.eventsPublished.inc(count),
  );
  relay.start();

  const health = async () => {
    const checks = {
      worker: worker.isRunning() ? 'running' : 'stopped',
      postgres: await probe(() => db.query('SELECT 1')),
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

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'stopping: no new jobs, finishing the ones in flight');
    const deadline = setTimeout(() => {
      log.error({ timeout_ms: config.WORKER_SHUTDOWN_TIMEOUT_MS }, 'jobs did not finish in time; exiting (they will be retried)');
      process.exit(1);
    }, config.WORKER_SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    try {
      await reconciler.stop();
      await worker.close();
      metricsServer?.server.close();
      await relay.stop();
      await queue.close();
      await Promise.all([workerConnection.quit(), queueConnection.quit()]);
      await db.close();
      log.info('stopped');
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: Error) => {
  console.error(error.name === 'ConfigError' ? error.message : error);
  process.exit(1);
});
