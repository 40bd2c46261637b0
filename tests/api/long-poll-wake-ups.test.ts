import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app';
import { waitFor } from '../../deploy/local/wait-for';
import { createDatabase, type Database } from '../../shared/db/database';
import { announceStatusChanges } from '../../shared/orders/status-announcements';
import { closeRedis, createRedis, type RedisClient } from '../../shared/redis/redis-connection';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-app';
import { startTcpProxy, type TcpProxy } from '../../deploy/local/tcp-proxy';
import { bearer, tokenFor } from '../support/tokens';

const RECHECK_MS = 1_000;

/**
 * Long-polls are woken by status changes announced on Redis pub/sub by
 * whoever made them — here the test, as another process would: it changes
 * the order in PostgreSQL and announces it on a Redis connection of its own.
 * The API reaches Redis through a TCP proxy, so the test can cut or silently
 * drop its subscriber connection; a lost announcement is caught by the
 * periodic re-read (LONG_POLL_RECHECK_MS).
 */
describe('long-poll wake-ups', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxy: TcpProxy;
  let app: FastifyInstance;
  let outside: Database;
  let redis: RedisClient;
  let prefix: string;
  const user = 'poller';

  beforeAll(async () => {
    database = await createTestDatabase();
    const direct = testConfig(database.url);
    prefix = direct.QUEUE_PREFIX;
    const redisUrl = new URL(direct.redis.kind === 'server' ? direct.redis.url : '');
    proxy = await startTcpProxy({ host: redisUrl.hostname, port: Number(redisUrl.port) });
    app = await buildApp(
      testConfig(database.url, { REDIS_URL: proxy.via(redisUrl.toString()), QUEUE_PREFIX: direct.QUEUE_PREFIX, LONG_POLL_RECHECK_MS: String(RECHECK_MS) }),
      { logger: false },
    );
    await app.ready();
    outside = createDatabase({ url: database.url, poolMax: 2 });
    redis = createRedis(direct.redis, 'blocking', 'checkout-test');
  });
  afterAll(async () => {
    await app?.close();
    await outside?.close();
    await closeRedis(redis);
    await proxy?.close();
    await database?.drop();
  });

  /** A pending order of the user, written straight into the database. */
  async function pendingOrder(): Promise<string> {
    const [rows] = await outside.query(
      `INSERT INTO orders (id, user_id, status, contact, address) VALUES (gen_random_uuid(), $1, 'pending', 'c@example.com', '1 Street')
       RETURNING id`,
      { bind: [user] },
    );
    return (rows as Array<{ id: string }>)[0]!.id;
  }

  /** Starts `GET /api/orders/:id?wait=20` and resolves once it waits (the answer in an object: a promise would be awaited). */
  async function longPoll(orderId: string): Promise<{ answer: Promise<{ status: string; seconds: number }> }> {
    const started = Date.now();
    const waitingBefore = app.orderWaiter.stats().waiting;
    const answer = app
      .inject({ method: 'GET', url: `/api/orders/${orderId}?wait=20`, headers: bearer(tokenFor(user)) })
      .then((res) => ({ status: res.json<{ status: string }>().status, seconds: (Date.now() - started) / 1000 }));
    await waitFor('the long-poll to be waiting', async () => app.orderWaiter.stats().waiting > waitingBefore);
    return { answer };
  }

  /** Places the order in PostgreSQL; `announce`: and announces it, as a worker does after its commit. */
  async function place(orderId: string, { announce }: { announce: boolean }) {
    await outside.query(`UPDATE orders SET status = 'placed' WHERE id = $1`, { bind: [orderId] });
    if (announce) await announceStatusChanges(redis, prefix, [orderId]);
  }

  /** Long-polls the order, places it (announced or not) once the poll waits, and resolves with the seconds the poll took. */
  async function secondsToAnswer(orderId: string, { announce }: { announce: boolean }): Promise<number> {
    const { answer } = await longPoll(orderId);
    await place(orderId, { announce });
    const { status, seconds } = await answer;
    expect(status).toBe('placed');
    return seconds;
  }

  /** The proxied connection of the API's subscriber, found by its client name. */
  async function subscriberConnection() {
    return waitFor('the subscriber connection', async () => {
      const clients = String(await redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
      const line = clients.split('\n').find((entry) => entry.includes('name=checkout-api-subscriber') && entry.includes(`sub=1`));
      const port = line && Number(/ addr=[^ ]+:(\d+) /.exec(` ${line}`)?.[1]);
      return port ? proxy.connectionFromPort(port) : undefined;
    });
  }

  it('answers within a second of an announced change', async () => {
    expect(await secondsToAnswer(await pendingOrder(), { announce: true })).toBeLessThan(1);
  });

  it('answers a change nobody announced at the next re-read, well before its wait ends', async () => {
    expect(await secondsToAnswer(await pendingOrder(), { announce: false })).toBeLessThan(RECHECK_MS / 1000 + 2);
  });

  it('answers well before its wait ends when the subscriber connection is black-holed', async () => {
    const orderId = await pendingOrder();
    (await subscriberConnection()).blackHole();
    expect(await secondsToAnswer(orderId, { announce: true })).toBeLessThan(RECHECK_MS / 1000 + 2);
  });

  it('subscribes again after its connection is reset, and announced changes wake within a second again', async () => {
    (await subscriberConnection()).cut();
    await subscriberConnection();
    expect(await secondsToAnswer(await pendingOrder(), { announce: true })).toBeLessThan(1);
  });
});
