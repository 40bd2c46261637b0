import { closeRedis, createRedis, type RedisClient } from '../../shared/redis/redis-connection';
import { DEFAULT_REDIS_URL } from '../../shared/redis/redis-topology';
import { startTcpProxy } from '../../deploy/local/tcp-proxy';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { cancelOrder } from '../../shared/orders/order-service';
import { recordEvent } from '../../shared/events/outbox-repository';
import { placeOrder } from '../../shared/placement/place-order';
import { OutboxRelay, type RelaySettings } from '../../shared/events/outbox-relay';
import { purgePublished, readUnpublished } from '../../shared/events/outbox-repository';
import { appendToStream } from '../../shared/events/stream-publisher';
import { deleteKeysUnder } from '../../deploy/local/queue-keys';
import { ADVISORY_LOCKS } from '../../shared/db/session';
import { actor } from '../support/actors';
import { givenFor } from '../support/given';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../../deploy/local/wait-for';
import { expectValidEntry, readStream, relaySettings, silentLog, type StreamEntry } from './ml-stream';

/** The relay's advisory lock key, as pg_locks shows a one-bigint key: objid, objsubid 1. */
const RELAY_LOCK_OBJID = ADVISORY_LOCKS.relayLeader;

describe('outbox relay: at least once, in order per order, one leader', () => {
  let t: TestApp;
  let redis: RedisClient;
  const streams: string[] = [];
  const clients: Client[] = [];
  const relays: OutboxRelay[] = [];
  let users = 0;
  const given = givenFor(() => t.api);

  beforeAll(async () => {
    t = await startTestApp({ DB_POOL_MAX: '20' });
    redis = createRedis(t.config.redis, 'blocking', 'checkout-test');
  });
  afterAll(async () => {
    await Promise.all(relays.map((relay) => relay.stop()));
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
    await redis.del(t.config.ML_EVENTS_STREAM, ...streams);
    await deleteKeysUnder(redis, `{${t.config.ML_EVENTS_STREAM}`);
    await t.app.checkoutQueue.obliterate({ force: true });
    await redis.quit();
    await t.close();
  });

  /** A stream of its own for one test, deleted in afterAll. */
  function newStream(name: string): string {
    const stream = `${t.config.ML_EVENTS_STREAM}:${name}`;
    streams.push(stream);
    return stream;
  }

  /** Events each relay reported published (its onPublished events, as the worker's metrics count them). */
  const publishedBy = new Map<OutboxRelay, number>();
  function countedRelay(connection: RedisClient, overrides: Partial<RelaySettings>): OutboxRelay {
    const relay: OutboxRelay = new OutboxRelay(connection, relaySettings(t.config, overrides), silentLog, {
      onPublished: (count) => publishedBy.set(relay, (publishedBy.get(relay) ?? 0) + count),
    });
    publishedBy.set(relay, 0);
    return relay;
  }
  function newRelay(overrides: Partial<RelaySettings>): OutboxRelay {
    const relay = countedRelay(redis, overrides);
    relays.push(relay);
    return relay;
  }

  async function connect(): Promise<Client> {
    const client = new Client({ connectionString: t.config.DATABASE_URL });
    clients.push(client);
    await client.connect();
    return client;
  }

  const newUserId = (prefix = 'relay-user') => `${prefix}-${++users}-${randomUUID().slice(0, 8)}`;

  /** Commits `count` cart events for `userId`, one transaction each; returns their event ids in outbox order. */
  async function commitCartEvents(userId: string, count: number): Promise<string[]> {
    for (let i = 0; i < count; i++) {
      await t.app.db.transaction((transaction) =>
        recordEvent({ db: t.app.db, transaction }, {
          type: 'cart.item_added',
          userId,
          aggregateId: userId,
          data: { product_id: randomUUID(), quantity: 1, line_quantity: i + 1, unit_price: '1.00' },
        }),
      );
    }
    return eventIdsOf([userId]);
  }

  async function eventIdsOf(userIds: string[]): Promise<string[]> {
    const rows = await t.sql<{ event_id: string }>('SELECT event_id FROM outbox_events WHERE user_id = ANY($1) ORDER BY id', [userIds]);
    return rows.map((row) => row.event_id);
  }

  async function unpublishedCount(): Promise<number> {
    const [row] = await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL');
    return row!.n;
  }

  const untilAllPublished = (timeoutMs = 15_000) =>
    waitFor('every outbox row to be marked published', async () => (await unpublishedCount()) === 0, { timeoutMs });

  function countById(entries: StreamEntry[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const entry of entries) counts.set(entry.event.event_id, (counts.get(entry.event.event_id) ?? 0) + 1);
    return counts;
  }

  it('after a crash between XADD and marking, a fresh relay publishes everything; only the crashed batch is duplicated, with the same event_id', async () => {
    const stream = newStream('crash');
    const ids = await commitCartEvents(newUserId(), 17);

    // the crashed relay: read a batch, XADD it, die before markPublished
    const crashed = await connect();
    const batch = await readUnpublished(crashed, 5);
    expect(batch.map((row) => row.event_id)).toEqual(ids.slice(0, 5));
    await appendToStream(redis, stream, 100_000, batch);
    await crashed.end();
    expect(await unpublishedCount()).toBe(17);

    const fresh = newRelay({ stream, batchSize: 5, pollMs: 50 });
    fresh.start();
    await untilAllPublished();
    await fresh.stop();

    const entries = await readStream(redis, stream);
    for (const entry of entries) expectValidEntry(entry);
    const counts = countById(entries);
    expect([...counts.keys()].sort()).toEqual([...ids].sort());
    const duplicated = [...counts].filter(([, n]) => n > 1);
    expect(new Map(duplicated)).toEqual(new Map(batch.map((row) => [row.event_id, 2])));
    expect(entries).toHaveLength(17 + 5);
    // a duplicate is the same envelope, so consumers can drop it by event_id
    for (const row of batch) {
      const copies = entries.filter((entry) => entry.event.event_id === row.event_id).map((entry) => entry.event);
      expect(copies[1]).toEqual(copies[0]);
    }
    // after de-duplication by event_id the order is the outbox order
    const firstSeen = entries.map((entry) => entry.event.event_id).filter((id, i, all) => all.indexOf(id) === i);
    expect(firstSeen).toEqual(ids);
  });

  it('the events of one order arrive in commit order: checkout.requested, order.placed, order.cancelled', async () => {
    const stream = newStream('order');
    const relay = newRelay({ stream, batchSize: 2, pollMs: 50 });
    relay.start();
    const product = (await given.product({ price: '4.00', stock: 1000 })).id;
    const shoppers = Array.from({ length: 5 }, () => newUserId('orderly'));

    const orders = await Promise.all(
      shoppers.map(async (userId) => {
        await given.cart(actor(userId), product, 2);
        const orderId = await given.checkoutOk(actor(userId));
        expect((await placeOrder(t.app.db, orderId)).status).toBe('placed');
        await cancelOrder(t.app.db, { orderId, actor: `customer:${userId}`, ownerId: userId });
        return orderId;
      }),
    );
    const expected = (await eventIdsOf(shoppers)).length;
    await waitFor('every event of the shoppers in the stream', async () => (await readStream(redis, stream)).length >= expected);
    await untilAllPublished();
    await relay.stop();

    const entries = await readStream(redis, stream);
    for (const entry of entries) expectValidEntry(entry);
    for (const orderId of orders) {
      const ofOrder = entries.filter((entry) => (entry.event.data as { order_id?: string }).order_id === orderId);
      // XRANGE returns entries by stream position, so this is the order a consumer reads them in
      expect(ofOrder.map((entry) => entry.type)).toEqual(['checkout.requested', 'order.placed', 'order.cancelled']);
    }
  });

  it('two relays started together while 200 cart changes are committed: nothing is lost, nothing duplicated, one leader publishes', async () => {
    const stream = newStream('two-relays');
    const first = newRelay({ stream, batchSize: 7, pollMs: 50 });
    const second = newRelay({ stream, batchSize: 7, pollMs: 50 });
    first.start();
    second.start();
    const monitor = await connect();

    const products = [await given.product({ price: '1.25', stock: 100_000 }), await given.product({ price: '2.75', stock: 100_000 })];
    const shoppers = Array.from({ length: 8 }, () => newUserId('busy'));
    let writing = true;
    let maxHolders = 0;
    let sawLeader = false;
    const sampling = (async () => {
      while (writing) {
        const { rows } = await monitor.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks
            WHERE locktype = 'advisory' AND objid = $1 AND objsubid = 1 AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          [RELAY_LOCK_OBJID],
        );
        maxHolders = Math.max(maxHolders, rows[0]!.n);
        sawLeader ||= rows[0]!.n === 1;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    // 8 users × 25 adds, the users side by side
    await Promise.all(
      shoppers.map(async (userId, u) => {
        for (let k = 0; k < 25; k++) await given.cart(actor(userId), products[(u + k) % 2]!, 1);
      }),
    );
    writing = false;
    await sampling;

    const ids = await eventIdsOf(shoppers);
    expect(ids).toHaveLength(200);
    await untilAllPublished();
    await Promise.all([first.stop(), second.stop()]);

    expect(await unpublishedCount()).toBe(0);
    const entries = await readStream(redis, stream);
    for (const entry of entries) expectValidEntry(entry);
    const counts = countById(entries);
    expect(ids.filter((id) => !counts.has(id))).toEqual([]);
    expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
    expect(entries).toHaveLength(200);
    expect(maxHolders).toBe(1);
    expect(sawLeader).toBe(true);
    // one leader did all the publishing, the other stood by
    expect([publishedBy.get(first), publishedBy.get(second)].sort((a, b) => a! - b!)).toEqual([0, 200]);
    // each user's cart events keep their commit order
    for (const userId of shoppers) {
      const ofUser = entries.filter((entry) => entry.event.user_id === userId).map((entry) => entry.event.event_id);
      expect(ofUser).toEqual(await eventIdsOf([userId]));
    }
  });

  it('when XADD fails, nothing is marked published and the next batch publishes the same events', async () => {
    const stream = newStream('xadd-fails');
    const ids = await commitCartEvents(newUserId('xadd'), 4);
    const client = await connect();
    const relay = newRelay({ stream, batchSize: 10 });
    // a plain string under the stream key: every XADD answers WRONGTYPE
    await redis.set(stream, 'not a stream');

    await expect(relay.publishBatch(client)).rejects.toThrow(/WRONGTYPE/);
    expect(await unpublishedCount()).toBe(4);

    await redis.del(stream);
    expect(await relay.publishBatch(client)).toBe(4);
    expect(await unpublishedCount()).toBe(0);
    expect((await readStream(redis, stream)).map((entry) => entry.event.event_id)).toEqual(ids);
  });

  it("when the leader's database connection is killed, a relay takes over and nothing is lost", async () => {
    const stream = newStream('failover');
    const userId = newUserId('failover');
    const pair = [newRelay({ stream, batchSize: 7, pollMs: 50 }), newRelay({ stream, batchSize: 7, pollMs: 50 })];
    for (const relay of pair) relay.start();
    const monitor = await connect();
    const leaderPid = () =>
      monitor
        .query<{ pid: number }>(
          `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND objsubid = 1 AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          [RELAY_LOCK_OBJID],
        )
        .then(({ rows }) => rows[0]?.pid);
    await commitCartEvents(userId, 5);
    await untilAllPublished();
    const killed = await waitFor('a leader', leaderPid);

    await monitor.query('SELECT pg_terminate_backend($1)', [killed]);
    const ids = await commitCartEvents(userId, 10);

    await untilAllPublished();
    const successor = await waitFor('a new leader', leaderPid);
    expect(successor).not.toBe(killed);
    await Promise.all(pair.map((relay) => relay.stop()));
    const entries = await readStream(redis, stream);
    for (const entry of entries) expectValidEntry(entry);
    const counts = countById(entries);
    expect(ids.filter((id) => !counts.has(id))).toEqual([]);
    // after de-duplication by event_id, the user's events are in commit order
    expect([...counts.keys()]).toEqual(ids);
  });

  it('a leader that cannot reach Redis steps down: a relay that can publishes, nothing lost', async () => {
    const stream = newStream('redis-unreachable');
    const userId = newUserId('unreachable');
    const { hostname, port } = new URL(t.config.REDIS_URL ?? DEFAULT_REDIS_URL);
    const proxy = await startTcpProxy({ host: hostname, port: Number(port || 6379) });
    const cutOff = createRedis({ kind: 'server', url: proxy.via(t.config.REDIS_URL ?? DEFAULT_REDIS_URL) }, 'blocking', 'checkout-relay');
    cutOff.on('error', () => undefined);
    const leader = countedRelay(cutOff, { stream, pollMs: 50, redisStepMs: 1_000 });
    const standby = newRelay({ stream, pollMs: 50 });
    try {
      leader.start();
      await commitCartEvents(userId, 3);
      await untilAllPublished();
      standby.start();

      // the leader's Redis goes away (refused and reset): its commands wait in the client's queue
      proxy.refuse(true);
      proxy.cut();
      const ids = await commitCartEvents(userId, 5);

      await untilAllPublished();
      expect(publishedBy.get(leader)).toBe(3);
      expect(publishedBy.get(standby)).toBeGreaterThanOrEqual(5);
      const counts = countById(await readStream(redis, stream));
      expect(ids.filter((id) => !counts.has(id))).toEqual([]);
    } finally {
      await Promise.all([leader.stop(), standby.stop()]);
      await closeRedis(cutOff);
      await proxy.close();
    }
  });

  it('stop() returns promptly while the relay is busy publishing a backlog (pollMs 5000)', async () => {
    const stream = newStream('stop-busy');
    const userId = newUserId('backlog');
    // one statement, committed before the relay listens: no notification is pending
    await t.sql(
      `INSERT INTO outbox_events (type, user_id, aggregate_id, data)
       SELECT 'cart.item_added', $1, $1, jsonb_build_object('product_id', gen_random_uuid(), 'quantity', 1,
                                                            'line_quantity', n, 'unit_price', '1.00')
         FROM generate_series(1, 3000) AS n`,
      [userId],
    );
    const relay = newRelay({ stream, batchSize: 1, pollMs: 5_000 });
    relay.start();
    await waitFor('the relay to be publishing the backlog', async () => (await redis.xlen(stream)) >= 20);

    const stopping = Date.now();
    await relay.stop();
    const stopMs = Date.now() - stopping;

    // publish the rest so that the other tests start from an empty outbox
    const client = await connect();
    const drain = newRelay({ stream, batchSize: 1_000 });
    while ((await drain.publishBatch(client)) > 0);
    expect(await unpublishedCount()).toBe(0);
    expect(publishedBy.get(relay)).toBeLessThan(3000);
    expect(stopMs).toBeLessThan(1_000);
  });

  it('purgePublished deletes only published rows past the retention, oldest first, and never an unpublished one', async () => {
    const client = await connect();
    const userId = newUserId('purge');
    const ids = await commitCartEvents(userId, 6);
    const [oldest, older, old, justInside, recent, unpublished] = ids as [string, string, string, string, string, string];
    const age = (eventId: string, publishedAt: string | null) =>
      t.sql(`UPDATE outbox_events SET published_at = ${publishedAt ?? 'NULL'} WHERE event_id = $1`, [eventId]);
    await age(oldest, "now() - interval '300 hours'");
    await age(older, "now() - interval '250 hours'");
    await age(old, "now() - interval '200 hours'");
    await age(justInside, "now() - interval '167 hours'");
    await age(recent, 'now()');
    await t.sql(`UPDATE outbox_events SET occurred_at = now() - interval '400 hours' WHERE event_id = $1`, [unpublished]);
    await age(unpublished, null);
    const [before] = await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM outbox_events');

    expect(await purgePublished(client, 168, 2)).toBe(2);
    expect(await eventIdsOf([userId])).toEqual([old, justInside, recent, unpublished]);
    expect(await purgePublished(client, 168, 2)).toBe(1);
    expect(await purgePublished(client, 168, 2)).toBe(0);

    expect(await eventIdsOf([userId])).toEqual([justInside, recent, unpublished]);
    const [after] = await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM outbox_events');
    expect(after!.n).toBe(before!.n - 3);
    expect(await t.sql('SELECT published_at FROM outbox_events WHERE event_id = $1', [unpublished])).toEqual([{ published_at: null }]);

    // leave no unpublished row behind for the other tests
    await t.sql('DELETE FROM outbox_events WHERE event_id = $1', [unpublished]);
  });

  it('polls: with pollMs 200, an event committed while the relay sleeps is in the stream within 1 s (no NOTIFY per insert)', async () => {
    const stream = newStream('wake');
    const relay = newRelay({ stream, pollMs: 200 });
    relay.start();
    const userId = newUserId('wake');
    const inStream = async (eventId: string) => (await readStream(redis, stream)).some((entry) => entry.event.event_id === eventId);

    // a first event proves the relay leads; then wait until it is asleep (its connection idle)
    const [warmUp] = await commitCartEvents(userId, 1);
    await waitFor('the first event in the stream', () => inStream(warmUp!));
    const monitor = await connect();
    const asleep = async () => {
      const { rows } = await monitor.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'checkout-relay' AND state = 'idle'`,
      );
      return rows.length === 1;
    };

    for (let round = 0; round < 2; round++) {
      await waitFor('the relay to be asleep', asleep);
      const started = Date.now();
      const latest = (await commitCartEvents(userId, 1)).at(-1)!;
      await waitFor(`event ${latest} in the stream within 1 s`, () => inStream(latest), { timeoutMs: 1_000, intervalMs: 10 });
      expect(Date.now() - started).toBeLessThan(1_000);
    }

    await untilAllPublished();
    await relay.stop();

    // stopped while asleep, a relay does not wait out its poll (stopped while busy, it does: see the test above)
    const sleeper = newRelay({ stream, pollMs: 5_000 });
    sleeper.start();
    await waitFor('the relay to be asleep', asleep);
    const stopping = Date.now();
    await sleeper.stop();
    expect(Date.now() - stopping).toBeLessThan(1_000);
  });
});
