import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { withTimeout } from '../../shared/async/with-timeout';
import { ADVISORY_LOCKS, createSession, destroySession, tryAdvisoryLock, type Session } from '../../shared/db/session';
import {
  advanceSafePoint,
  beginRelayEpoch,
  markPublished,
  purgePublished,
  readRelayState,
  readUnpublished,
} from '../../shared/events/outbox-repository';
import { appendToStream } from '../../shared/events/stream-publisher';

/** How the relay learns that published events are durable in Redis (see the README's failure modes). */
export type StreamDurability = 'none' | 'aof' | 'replica';

export interface RelaySettings {
  databaseUrl: string;
  stream: string;
  maxLen: number;
  batchSize: number;
  pollMs: number;
  retentionHours: number;
  /** `aof`: WAITAOF after each batch; `replica`: WAIT for one replica; `none` (default): never known durable. */
  durability?: StreamDurability;
}

export interface RelayEvents {
  /** Events published (for metrics). */
  onPublished?: (count: number) => void;
  /** Redis lost data: `republished` outbox rows are being published again (the reconciler re-enqueues too). */
  onDataLoss?: (republished: number) => void;
}

const PURGE_EVERY_MS = 60_000;
const PURGE_BATCH = 1_000;
/** A durability confirmation waits at most this long per batch. */
const DURABILITY_WAIT_MS = 1_000;

/** The Redis key of a stream's epoch marker. */
export function epochKey(stream: string): string {
  return `${stream}:epoch`;
}

/**
 * Publishes outbox rows to the ML stream, at least once, in insertion order.
 * Every worker process runs one; the one holding the advisory lock publishes,
 * the others wait to take over. A crash between XADD and marking the rows
 * publishes them again with the same `event_id` — consumers de-duplicate.
 *
 * Redis losing data (a restart without persistence, a failover to a replica
 * that lagged) is noticed by the epoch marker: the leader writes a random
 * marker into Redis and remembers it in PostgreSQL, and checks it before
 * every round. A missing or different marker means the stream may have lost
 * events: every row after the last point known durable is published again,
 * and `onDataLoss` lets the reconciler re-enqueue pending orders at once.
 */
export class OutboxRelay {
  /** Events published by this process (for metrics). */
  published = 0;
  private stopped = false;
  private session: Session | undefined;
  private epoch: string | undefined;
  private wake: () => void = () => undefined;
  private loop: Promise<void> = Promise.resolve();
  private durabilityWarned = false;

  constructor(
    private readonly redis: Redis,
    private readonly settings: RelaySettings,
    private readonly log: Logger,
    private readonly events: RelayEvents = {},
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
  async publishBatch(session: Session): Promise<number> {
    const rows = await readUnpublished(session, this.settings.batchSize);
    if (rows.length === 0) return 0;
    await appendToStream(this.redis, this.settings.stream, this.settings.maxLen, rows);
    await markPublished(
      session,
      rows.map((row) => row.id),
    );
    if (await this.confirmDurable()) await advanceSafePoint(session, this.settings.stream, rows[rows.length - 1]!.id);
    this.published += rows.length;
    this.events.onPublished?.(rows.length);
    return rows.length;
  }

  /**
   * Makes sure the stream's epoch marker in Redis is the one PostgreSQL
   * remembers; starts a new epoch when it is not (first run, or data loss).
   */
  async checkEpoch(session: Session): Promise<void> {
    const { stream } = this.settings;
    const marker = await this.redis.get(epochKey(stream));
    if (marker !== null && marker === this.epoch) return;
    const state = await readRelayState(session, stream);
    if (state && marker === state.epoch) {
      this.epoch = state.epoch;
      return;
    }
    const epoch = randomUUID();
    // no state yet: the first epoch; a state whose marker is gone: Redis lost data since the last safe point
    const republishAfterId = state ? state.safeOutboxId : null;
    const republished = await beginRelayEpoch(session, { stream, epoch, republishAfterId });
    await this.redis.set(epochKey(stream), epoch);
    this.epoch = epoch;
    if (state) {
      this.log.warn(
        { stream, republished, safe_outbox_id: republishAfterId, marker_found: marker !== null },
        'Redis lost data: re-publishing outbox rows after the last safe point',
      );
      this.events.onDataLoss?.(republished);
    } else {
      this.log.info({ stream, epoch }, 'outbox relay started the stream epoch');
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.leadWhileHoldingLock();
      } catch (error) {
        this.log.warn({ err: error }, 'outbox relay interrupted; retrying');
      } finally {
        if (this.session) destroySession(this.session);
        this.session = undefined;
        this.epoch = undefined;
      }
      // standing by (another process leads) or recovering: try again later
      if (!this.stopped) await this.sleep(this.settings.pollMs * 3);
    }
  }

  private async leadWhileHoldingLock(): Promise<void> {
    const session = createSession(this.settings.databaseUrl, 'checkout-relay');
    this.session = session;
    session.on('error', (error) => {
      this.log.warn({ err: error }, 'outbox relay connection lost');
      this.wake();
    });
    await session.connect();
    // one relay publishes at a time (per database): the holder of the leader lock
    if (!(await tryAdvisoryLock(session, ADVISORY_LOCKS.relayLeader))) return;
    this.log.info('outbox relay is the leader');
    let nextPurge = Date.now() + PURGE_EVERY_MS;
    while (!this.stopped) {
      await this.checkEpoch(session);
      while (!this.stopped && (await this.publishBatch(session)) === this.settings.batchSize);
      if (Date.now() >= nextPurge) {
        await this.purge(session);
        nextPurge = Date.now() + PURGE_EVERY_MS;
      }
      await this.sleep(this.settings.pollMs);
    }
  }

  /** True when Redis confirms the batch just written is durable (per the durability setting). */
  private async confirmDurable(): Promise<boolean> {
    const { durability = 'none' } = this.settings;
    if (durability === 'none') return false;
    try {
      if (durability === 'aof') {
        const [local] = (await withTimeout(
          DURABILITY_WAIT_MS * 2,
          this.redis.call('WAITAOF', '1', '0', String(DURABILITY_WAIT_MS)),
        )) as [number, number];
        return local >= 1;
      }
      return (await withTimeout(DURABILITY_WAIT_MS * 2, this.redis.wait(1, DURABILITY_WAIT_MS))) >= 1;
    } catch (error) {
      if (!this.durabilityWarned) this.log.warn({ err: error, durability }, 'Redis cannot confirm durability; no safe point is recorded');
      this.durabilityWarned = true;
      return false;
    }
  }

  private async purge(session: Session): Promise<void> {
    let deleted = 0;
    for (let batch = PURGE_BATCH; batch === PURGE_BATCH && !this.stopped; ) {
      batch = await purgePublished(session, this.settings.retentionHours, PURGE_BATCH);
      deleted += batch;
    }
    if (deleted > 0) this.log.info({ deleted }, 'purged published outbox rows past retention');
  }

  /** Waits `ms`, or less if the relay is stopped (or its session fails). */
  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
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
