import { createRedis, type RedisClient } from '../../shared/redis/redis-connection';
import { waitFor } from '../../deploy/local/wait-for';
import { createSession, type Session } from '../../shared/db/session';
import { recordEvent } from '../../shared/events/outbox-repository';
import { inTransaction } from '../../shared/db/transaction';
import { markerKey } from '../../shared/events/stream-publisher';
import { deleteKeysUnder } from '../../deploy/local/queue-keys';
import { OutboxRelay, type RelaySettings } from '../../shared/events/outbox-relay';
import { startTestApp, type TestApp } from '../support/test-app';
import { readStream, relaySettings, silentLog } from './ml-stream';

/**
 * Redis loses data (a restart without persistence, a failover to a lagging
 * replica): here, the stream and its epoch marker are deleted under a
 * running relay, which must notice and publish the lost events again.
 */
describe('relay after Redis lost its data', () => {
  let t: TestApp;
  let redis: RedisClient;
  let session: Session;
  const relays: OutboxRelay[] = [];
  let streams = 0;

  beforeAll(async () => {
    t = await startTestApp();
    redis = createRedis(t.config.redis, 'blocking', 'checkout-test');
    session = createSession(t.config.DATABASE_URL, 'data-loss-test');
    await session.connect();
  });
  afterAll(async () => {
    await session?.end();
    // the streams, and their markers beside them (`{<stream>}:relay-marker`)
    await deleteKeysUnder(redis, t.config.ML_EVENTS_STREAM);
    await deleteKeysUnder(redis, `{${t.config.ML_EVENTS_STREAM}`);
    await redis.quit();
    await t.close();
  });
  beforeEach(async () => {
    await t.sql('DELETE FROM outbox_events');
  });
  // one relay leads per database: each test stops its own
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
  });

  function startRelay(stream: string, onDataLoss: (republished: number) => void = () => undefined, overrides: Partial<RelaySettings> = {}) {
    const relay = new OutboxRelay(redis, relaySettings(t.config, { stream, ...overrides }), silentLog, { onDataLoss });
    relays.push(relay);
    relay.start();
    return relay;
  }

  /** Writes `count` cart events of one user; returns their event ids. */
  async function writeEvents(count: number, userId = 'loss-user'): Promise<string[]> {
    await inTransaction(t.app.db, async (tx) => {
      for (let i = 0; i < count; i += 1) {
        await recordEvent(tx, {
          type: 'cart.item_added',
          userId,
          aggregateId: userId,
          data: { product_id: '00000000-0000-4000-8000-000000000001', quantity: 1, line_quantity: i + 1, unit_price: '1.00' },
        });
      }
    });
    const rows = await t.sql<{ event_id: string }>('SELECT event_id FROM outbox_events WHERE user_id = $1 ORDER BY id', [userId]);
    return rows.map((row) => row.event_id);
  }

  const eventIdsIn = async (stream: string) => (await readStream(redis, stream)).map((entry) => entry.event.event_id);
  const newStream = () => `${t.config.ML_EVENTS_STREAM}:loss-${++streams}`;

  it('publishes every retained event again, once each, when the stream and its marker vanish', async () => {
    const stream = newStream();
    const losses: number[] = [];
    startRelay(stream, (republished) => losses.push(republished));
    const before = await writeEvents(5);
    await waitFor('the first events in the stream', async () => (await eventIdsIn(stream)).length === 5);

    await redis.del(stream, markerKey(stream));
    const after = await writeEvents(2, 'loss-user-later');

    const ids = await waitFor('the lost events back in the stream', async () => {
      const inStream = await eventIdsIn(stream);
      return inStream.length >= 7 && inStream;
    });
    expect([...ids].sort()).toEqual([...before, ...after].sort());
    expect(new Set(ids).size).toBe(ids.length);
    // the lost events come back in their original order
    expect(ids.filter((id) => before.includes(id))).toEqual(before);
    expect(losses).toEqual([5]);
    expect(await redis.get(markerKey(stream))).toMatch(/^[0-9a-f-]{36}:\d+$/);
  });

  it('after a failover to a replica that lagged, publishes again exactly the batches the stream lost', async () => {
    const stream = newStream();
    const losses: number[] = [];
    startRelay(stream, (republished) => losses.push(republished));
    const early = await writeEvents(3);
    await waitFor('the early events', async () => (await eventIdsIn(stream)).length === 3);
    // what the replica held: the stream and the marker as they were after the early batch
    const markerThen = await redis.get(markerKey(stream));
    const late = await writeEvents(2, 'loss-user-late');
    await waitFor('the late events', async () => (await eventIdsIn(stream)).length === 5);
    const lateEntries = (await readStream(redis, stream)).filter((entry) => late.includes(entry.event.event_id));

    await redis.xdel(stream, ...lateEntries.map((entry) => entry.id));
    await redis.set(markerKey(stream), markerThen!);

    const ids = await waitFor('the lost batch back', async () => {
      const inStream = await eventIdsIn(stream);
      return inStream.length >= 5 && inStream;
    });
    expect(ids).toEqual([...early, ...late]);
    expect(losses).toEqual([2]);
  });

  it('a relay that takes over with the marker intact publishes nothing again', async () => {
    const stream = newStream();
    const first = startRelay(stream);
    await writeEvents(3);
    await waitFor('the events', async () => (await eventIdsIn(stream)).length === 3);
    await first.stop();

    const losses: number[] = [];
    startRelay(stream, (republished) => losses.push(republished));
    await writeEvents(1, 'loss-user-after-takeover');
    await waitFor('the new event', async () => (await eventIdsIn(stream)).length === 4);
    expect(losses).toEqual([]);
  });

  it('with durability "replica" and no replica to confirm, appended events stay unpublished in the outbox', async () => {
    const stream = newStream();
    startRelay(stream, undefined, { durability: 'replica' });
    const ids = await writeEvents(2);
    await waitFor('the events in the stream', async () => (await eventIdsIn(stream)).length === 2);
    const rows = await t.sql<{ published: boolean }>(
      'SELECT published_at IS NOT NULL AS published FROM outbox_events WHERE event_id = ANY($1::uuid[])',
      [ids],
    );
    expect(rows).toEqual([{ published: false }, { published: false }]);
  });
});
