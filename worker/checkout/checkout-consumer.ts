import { queueTelemetry } from '../../shared/telemetry/tracing';
import { Worker, type Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import { withTimeout } from '../../shared/async/with-timeout';
import type { Config } from '../../shared/config/config-schema';
import { CHECKOUT_QUEUE, type CheckoutJobData, type CheckoutJobResult } from '../../shared/queue/checkout-queue';
import { closeRedis, createRedis, reportTrouble, type RedisClient } from '../../shared/redis/redis-connection';
import { isRedisUnavailable } from '../../shared/redis/redis-errors';

type Processor = (job: Job<CheckoutJobData, CheckoutJobResult>) => Promise<CheckoutJobResult>;
type CheckoutWorker = Worker<CheckoutJobData, CheckoutJobResult>;

/** A BullMQ Worker with the connection made for it. */
interface Consumer {
  worker: CheckoutWorker;
  connection: RedisClient;
}

/** Checks on the queue give up after this: a Redis that does not answer tells nothing about the consumer. */
const CHECK_TIMEOUT_MS = 2_000;

/**
 * The checkout queue's consumer: a BullMQ Worker on connections of its own,
 * watched. A consumer can stop taking jobs while its connections look fine
 * (BullMQ issues #648, #3088, #3185: workers stuck after a Sentinel or cloud
 * failover). Every half of WORKER_STUCK_AFTER_MS the watchdog looks: jobs
 * waiting in the queue, a free slot here, and no job taken for
 * WORKER_STUCK_AFTER_MS means stuck — the Worker and its connections are
 * replaced by new ones (the old one finishes its jobs in flight if it can).
 */
export class CheckoutConsumer {
  private current: Consumer;
  private inFlight = 0;
  private lastTaken = Date.now();
  private readonly watchdog: NodeJS.Timeout;
  private replacing: Promise<void> | undefined;
  private closed = false;
  /** How many times the consumer was found stuck and replaced. */
  replaced = 0;

  constructor(
    private readonly config: Config,
    private readonly queue: Queue<CheckoutJobData, CheckoutJobResult>,
    private readonly process: Processor,
    private readonly log: Logger,
  ) {
    this.current = this.makeConsumer();
    this.watchdog = setInterval(() => void this.check(), config.WORKER_STUCK_AFTER_MS / 2);
    this.watchdog.unref();
  }

  isRunning(): boolean {
    return !this.closed && this.current.worker.isRunning();
  }

  /** Stops taking jobs and waits for the ones in flight (BullMQ's close). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    await this.replacing;
    await this.closeConsumer(this.current);
  }

  private makeConsumer(): Consumer {
    const { config } = this;
    const connection = createRedis(config.redis, 'blocking', 'checkout-worker');
    const connectionTrouble = reportTrouble(connection, this.log, 'worker');
    const worker = new Worker<CheckoutJobData, CheckoutJobResult>(CHECKOUT_QUEUE, (job) => this.run(job), {
      connection,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
      lockDuration: config.WORKER_LOCK_DURATION_MS,
      stalledInterval: config.WORKER_STALLED_INTERVAL_MS,
      maxStalledCount: 3,
      telemetry: queueTelemetry(),
    });
    // BullMQ repeats its connections' errors: those are the connection's trouble, not the worker's
    worker.on('error', (error) => (isRedisUnavailable(error) ? connectionTrouble(error) : this.log.error({ err: error }, 'worker error')));
    worker.on('stalled', (jobId) => this.log.warn({ job_id: jobId, order_id: jobId }, 'job stalled, handed to another worker'));
    return { worker, connection };
  }

  private async run(job: Job<CheckoutJobData, CheckoutJobResult>): Promise<CheckoutJobResult> {
    this.inFlight += 1;
    this.lastTaken = Date.now();
    try {
      return await this.process(job);
    } finally {
      this.inFlight -= 1;
    }
  }

  private async check(): Promise<void> {
    if (this.closed || this.replacing) return;
    const idleFor = Date.now() - this.lastTaken;
    if (idleFor < this.config.WORKER_STUCK_AFTER_MS || this.inFlight >= this.config.WORKER_CONCURRENCY) return;
    let waiting: number;
    try {
      if (await withTimeout(CHECK_TIMEOUT_MS, this.queue.isPaused())) return;
      const counts = await withTimeout(CHECK_TIMEOUT_MS, this.queue.getJobCounts('wait', 'prioritized'));
      waiting = (counts.wait ?? 0) + (counts.prioritized ?? 0);
    } catch {
      return;
    }
    // the job may have been taken while the counts were read
    if (waiting === 0 || this.closed || Date.now() - this.lastTaken < this.config.WORKER_STUCK_AFTER_MS) return;
    this.replacing = this.replace(waiting, idleFor).finally(() => (this.replacing = undefined));
  }

  private async replace(waiting: number, idleFor: number): Promise<void> {
    this.log.warn({ waiting, idle_ms: idleFor, in_flight: this.inFlight }, 'worker took no job while jobs wait: replacing its consumer');
    const stuck = this.current;
    this.lastTaken = Date.now();
    this.current = this.makeConsumer();
    this.replaced += 1;
    await this.closeConsumer(stuck);
  }

  /**
   * Closes a Worker, letting its jobs in flight finish within the shutdown
   * timeout; past it, its connection is dropped (a job it still held is
   * handed to another worker as stalled), then the connection is closed.
   */
  private async closeConsumer({ worker, connection }: Consumer): Promise<void> {
    const timeoutMs = this.config.WORKER_SHUTDOWN_TIMEOUT_MS;
    try {
      await withTimeout(timeoutMs, worker.close());
    } catch (error) {
      this.log.warn({ err: error }, 'worker did not close in time; dropping its connection');
      connection.disconnect();
      await withTimeout(timeoutMs, worker.close()).catch(() => undefined);
    }
    await closeRedis(connection);
  }
}
