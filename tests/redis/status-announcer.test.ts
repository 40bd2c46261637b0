import { randomBytes } from 'node:crypto';
import { waitFor } from '../../deploy/local/wait-for';
import { statusAnnouncer, statusChannel } from '../../shared/orders/status-announcements';
import { closeRedis, createRedis, untilReady, type RedisClient } from '../../shared/redis/redis-connection';

const topology = { kind: 'server' as const, url: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' };

/**
 * The worker's announcer: the orders of a placement group all end at one commit, and go to the API processes in one
 * message (the first alone, at once; those announced while it is on its way together, in the next), on the real
 * Redis pub/sub the API subscribes to.
 */
describe('status announcer', () => {
  let publisher: RedisClient;
  let subscriber: RedisClient;
  let prefix: string;
  const messages: string[][] = [];

  beforeAll(async () => {
    prefix = `test-${randomBytes(4).toString('hex')}`;
    publisher = createRedis(topology, 'blocking', 'announcer-test');
    subscriber = createRedis(topology, 'blocking', 'announcer-test-subscriber');
    subscriber.on('message', (_channel: string, message: string) => messages.push(message.split(',')));
    await subscriber.subscribe(statusChannel(prefix));
  });
  afterAll(async () => {
    await closeRedis(publisher);
    await closeRedis(subscriber);
  });

  it('sends the orders announced while a message is on its way together, each once', async () => {
    const errors: unknown[] = [];
    const announce = statusAnnouncer(publisher, prefix, { warn: (object) => errors.push((object as { err: unknown }).err) });
    const group = Array.from({ length: 50 }, (_, i) => `order-${i}`);
    for (const orderId of group) announce([orderId]);
    await waitFor('every order announced', async () => messages.flat().length >= group.length, { timeoutMs: 10_000 });

    expect(errors).toEqual([]);
    expect(messages.flat().sort()).toEqual([...group].sort());
    expect(messages[0]).toEqual(['order-0']);
    expect(messages.length).toBe(2);
  });

  it('logs what Redis did not take, with its orders, and never throws', async () => {
    const closed = createRedis(topology, 'request', 'announcer-test-closed');
    await untilReady(closed, 2_000);
    closed.disconnect();
    const failed: string[][] = [];
    const announce = statusAnnouncer(closed, prefix, { warn: (object) => failed.push((object as { order_ids: string[] }).order_ids) });

    expect(() => announce(['lost-1', 'lost-2'])).not.toThrow();
    await waitFor('the failure reported', async () => failed.flat().length === 2, { timeoutMs: 5_000 });
    expect(failed.flat().sort()).toEqual(['lost-1', 'lost-2']);
  });
});
