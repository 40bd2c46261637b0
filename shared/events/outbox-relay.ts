import { recordSpan } from '../telemetry/tracing';
import { ReplyError } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { TimedOut, withTimeout } from '../async/with-timeout';
import { ADVISORY_LOCKS, createSession, destroySession, tryAdvisoryLock, type Session } from '../db/session';
import {
  beginRelayEpoch,
  markPublished,
  purgePublished,
  readRelayState,
  readUnpublished,
  republishAfterBatch,
} from './outbox-repository';
import { appendBatch, readMarker, writeMarker, type StreamMarker } from './stream-publisher';
import { nodeForKey, type RedisClient } from '../redis/redis-connection';

/** How the relay learns that published events are durable in Redis (docs/operating.md, failure modes). */
export type StreamDurability = 'none' | 'aof' | 'replica';

export interface RelaySettings {
  /** A session connection to the primary (DATABASE_DIRECT_URL): the leader holds its advisory lock there. */
  sessionUrl: string;
  stream: string;
  maxLen: number;
  batchSize: number;
  pollMs: number;
  retentionHours: number;
  /**
   * What must confirm a batch before its rows are marked published: `none` (default) nothing; `aof` WAITAOF
   * (the master's append-only file); `replica` WAIT (one replica).
   */
  durability?: StreamDurability;
  /**
   * Each Redis step of a leader (read the marker, append a batch, write the marker) waits at most this long (10 s);
   * then the leader steps down: a relay that cannot reach Redis must not keep the lock from one that can.
   */
  redisStepMs?: number;
}

export interface RelayEvents {
  /** Events published. */
  onPublished?: (count: number) => void;
  /** Redis lost data: `republished` outbox rows are being published again (the reconciler re-enqueues too). */
  onDataLoss?: (republished: number) => void;
}

const PURGE_EVERY_MS = 60_000;
const PURGE_BATCH = 1_000;
const REDIS_STEP_MS = 10_000;
/** A durability confirmation waits at most this long per try. */
const DURABILITY_WAIT_MS = 1_000;
/** What a Redis answers that cannot confirm durability at all: no WAITAOF (before 7.2), or no append-only file. */
const CANNOT_CONFIRM = /unknown command|appendonly is disabled/i;

/**
 * Publishes outbox rows to the ML stream, at least once, in insertion order.
 * Every worker process runs one; the one holding the advisory lock publishes,
 * the others wait to take over. A crash between the append and marking the
 * rows publishes them again with the same `event_id` — consumers de-duplicate.
 *
 * Redis losing data is noticed by the marker beside the stream
 * (`<epoch>:<batch>`), written by the same script as each batch's entries, so
 * Redis always holds a marker together with exactly the batches up to it.
 * Each published row records its batch in PostgreSQL. Before each round the
 * relay reads the marker:
 * - ours, at the last batch marked published or later: nothing was lost;
 * - ours, at an earlier batch (a failover to a replica that lagged): the rows
 *   of the later batches are published again;
 * - missing or another epoch (a restart without persistence, a flush): a new
 *   epoch begins and every retained row is published again.
 * With `durability` set, rows are marked published only once Redis confirms
 * the batch (a replica, or the append-only file), so a failover to the
 * replica that confirmed it republishes nothing.
 */
export class OutboxRelay {
  private stopped = false;
  private session: Session | undefined;
  /** The marker this relay last saw or wrote beside the stream; undefined: read it before writing. */
  private marker: StreamMarker | undefined;
  /** The highest batch number in use: the next batch takes the one after. */
  private batch = 0;
  private wake: () => void = () => undefined;
  private loop: Promise<void> = Promise.resolve();
  private durabilityWarned = false;

  constructor(
    private readonly redis: RedisClient,
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

  /** Publishes one batch; returns how many events it published (0 also when Redis turned out to have lost data). */
  async publishBatch(session: Session): Promise<number> {
    const rows = await readUnpublished(session, this.settings.batchSize);
    if (rows.length === 0) return 0;
    if (!this.marker) await this.checkMarker(session);
    const { stream, maxLen } = this.settings;
    const expected = this.marker!;
    const next = { epoch: expected.epoch, batch: this.batch + 1 };
    const startedAt = Date.now();
    if (!(await this.redisStep(appendBatch(this.redis, { stream, maxLen, expected, next }, rows)))) {
      // the marker moved under us: the next check finds out what Redis lost
      this.marker = undefined;
      return 0;
    }
    this.marker = next;
    this.batch = next.batch;
    if (!(await this.untilDurable())) return 0;
    await markPublished(session, { stream, ids: rows.map((row) => row.id), batch: next.batch });
    for (const row of rows) recordSpan(`publish ${row.type}`, row.traceparent, startedAt, { 'messaging.destination.name': stream, 'checkout.event_id': row.event_id });
    this.events.onPublished?.(rows.length);
    return rows.length;
  }

  /**
   * Compares the marker beside the stream with what PostgreSQL remembers and
   * puts back for publishing whatever Redis lost (see the class comment).
   */
  async checkMarker(session: Session): Promise<void> {
    const { stream } = this.settings;
    const found = await this.redisStep(readMarker(this.redis, stream));
    if (found && this.marker && found.epoch === this.marker.epoch && found.batch === this.marker.batch) return;
    const state = await readRelayState(session, stream);
    if (found && state && found.epoch === state.epoch) {
      if (found.batch < state.batch) {
        const republished = await republishAfterBatch(session, found.batch);
        this.log.warn(
          { stream, republished, batch_in_redis: found.batch, batch_published: state.batch },
          'Redis lost data: re-publishing the outbox rows of the batches it lost',
        );
        this.events.onDataLoss?.(republished);
      }
      // Redis may also be ahead (a relay died between the append and marking its rows): the rows are published again
      this.marker = found;
      this.batch = Math.max(this.batch, found.batch, state.batch);
      return;
    }
    // no state yet: the first epoch; a marker missing or not ours: Redis lost the stream
    const epoch = randomUUID();
    const republished = await beginRelayEpoch(session, { stream, epoch, republish: state !== null });
    const { batch } = (await readRelayState(session, stream))!;
    const marker = { epoch, batch: Math.max(this.batch, batch) };
    await this.redisStep(writeMarker(this.redis, stream, marker));
    this.marker = marker;
    this.batch = marker.batch;
    if (state) {
      this.log.warn({ stream, republished, marker_found: found !== null }, 'Redis lost data: re-publishing every retained outbox row');
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
        this.marker = undefined;
      }
      // standing by (another process leads) or recovering: try again later
      if (!this.stopped) await this.sleep(this.settings.pollMs * 3);
    }
  }

  private async leadWhileHoldingLock(): Promise<void> {
    const session = createSession(this.settings.sessionUrl, 'checkout-relay');
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
      await this.checkMarker(session);
      while (!this.stopped && (await this.publishBatch(session)) === this.settings.batchSize);
      if (Date.now() >= nextPurge) {
        await this.purge(session);
        nextPurge = Date.now() + PURGE_EVERY_MS;
      }
      await this.sleep(this.settings.pollMs);
    }
  }

  /**
   * Waits until Redis confirms the batch just written, as the durability
   * setting asks: false when the relay stopped first. A Redis that cannot
   * confirm at all (no WAITAOF before 7.2, or AOF off) is warned about once
   * and not waited for.
   */
  private async untilDurable(): Promise<boolean> {
    const { durability = 'none' } = this.settings;
    if (durability === 'none') return true;
    for (let attempt = 1; !this.stopped; attempt += 1) {
      let confirmed: boolean;
      try {
        confirmed = await this.confirmed(durability);
      } catch (error) {
        // only a Redis that cannot confirm at all is not waited for; anything else (unreachable, slow, failing
        // over) is not a confirmation: the relay starts over and checks the marker
        if (!(error instanceof ReplyError && CANNOT_CONFIRM.test((error as Error).message))) throw error;
        if (!this.durabilityWarned) this.log.warn({ err: error, durability }, 'Redis cannot confirm durability; not waiting for it');
        this.durabilityWarned = true;
        return true;
      }
      if (confirmed) return true;
      if (attempt % 10 === 1) this.log.warn({ durability, attempt }, 'waiting for Redis to confirm the published batch');
    }
    return false;
  }

  private async confirmed(durability: 'aof' | 'replica'): Promise<boolean> {
    // asked of the master that holds the stream (on a Cluster, the one of its slot)
    const master = nodeForKey(this.redis, this.settings.stream);
    if (durability === 'aof') {
      const [local] = (await withTimeout(
        DURABILITY_WAIT_MS * 2,
        master.call('WAITAOF', '1', '0', String(DURABILITY_WAIT_MS)),
      )) as [number, number];
      return local >= 1;
    }
    return (await withTimeout(DURABILITY_WAIT_MS * 2, master.wait(1, DURABILITY_WAIT_MS))) >= 1;
  }

  /**
   * `work` on Redis, or an error after `redisStepMs`: the leader steps down (its caller lets the lock go) and the
   * connection starts over, so a command still queued for an unreachable Redis is dropped, not run late.
   */
  private async redisStep<T>(work: Promise<T>): Promise<T> {
    const { redisStepMs = REDIS_STEP_MS } = this.settings;
    try {
      return await withTimeout(redisStepMs, work);
    } catch (error) {
      if (!(error instanceof TimedOut)) throw error;
      this.redis.disconnect(true);
      throw new Error(`Redis did not answer within ${redisStepMs} ms: the relay steps down`, { cause: error });
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
