import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ADVISORY_LOCKS, CHANNELS, createSession, listen, tryAdvisoryLock, type Session } from '../../shared/db/session';
import { markPublished, purgePublished, readUnpublished } from '../../shared/events/outbox-repository';
import { appendToStream } from '../../shared/events/stream-publisher';

export interface RelaySettings {
  databaseUrl: string;
  stream: string;
  maxLen: number;
  batchSize: number;
  pollMs: number;
  retentionHours: number;
}

const PURGE_EVERY_MS = 60_000;
const PURGE_BATCH = 1_000;

/**
 * Publishes outbox rows to the ML stream, at least once, in insertion order.
 * Every worker process runs one; the one holding the advisory lock publishes,
 * the others wait to take over. A crash between XADD and marking the rows
 * publishes them again with the same `event_id` — consumers de-duplicate.
 */
export class OutboxRelay {
  /** Events published by this process (for metrics). */
  published = 0;
  private stopped = false;
  private client: Session | undefined;
  private wake: () => void = () => undefined;
  /** A notification arrived while no one was sleeping: the next sleep returns at once. */
  private woken = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    private readonly settings: RelaySettings,
    private readonly log: Logger,
    private readonly onPublished: (count: number) => void = () => undefined,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
  }

  /** Publishes one batch; returns how many events it published. */
  async publishBatch(client: Session): Promise<number> {
    const rows = await readUnpublished(client, this.settings.batchSize);
    if (rows.length === 0) return 0;
    await appendToStream(this.redis, this.settings.stream, this.settings.maxLen, rows);
    await markPublished(
      client,
      rows.map((row) => row.id),
    );
    this.published += rows.length;
    this.onPublished(rows.length);
    return rows.length;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.leadWhileHoldingLock();
      } catch (error) {
        this.log.warn({ err: error }, 'outbox relay interrupted; retrying');
      } finally {
        await this.client?.end().catch(() => undefined);
        this.client = undefined;
      }
      // standing by (another process leads) or recovering: try again later
      if (!this.stopped) await this.sleep(this.settings.pollMs * 3);
    }
  }

  private async leadWhileHoldingLock(): Promise<void> {
    const client = createSession(this.settings.databaseUrl, 'checkout-relay');
    this.client = client;
    client.on('error', (error) => {
      this.log.warn({ err: error }, 'outbox relay connection lost');
      this.wake();
    });
    await client.connect();
    // one relay publishes at a time (per database): the holder of the leader lock
    if (!(await tryAdvisoryLock(client, ADVISORY_LOCKS.relayLeader))) return;
    this.log.info('outbox relay is the leader');
    client.on('notification', () => {
      this.woken = true;
      this.wake();
    });
    await listen(client, CHANNELS.outbox);
    let nextPurge = Date.now() + PURGE_EVERY_MS;
    while (!this.stopped) {
      while (!this.stopped && (await this.publishBatch(client)) === this.settings.batchSize);
      if (Date.now() >= nextPurge) {
        await this.purge(client);
        nextPurge = Date.now() + PURGE_EVERY_MS;
      }
      await this.sleep(this.settings.pollMs);
    }
  }

  private async purge(client: Session): Promise<void> {
    let deleted = 0;
    for (let batch = PURGE_BATCH; batch === PURGE_BATCH && !this.stopped; ) {
      batch = await purgePublished(client, this.settings.retentionHours, PURGE_BATCH);
      deleted += batch;
    }
    if (deleted > 0) this.log.info({ deleted }, 'purged published outbox rows past retention');
  }

  /** Waits `ms`, or less if a commit notification (or stop) arrives. */
  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
