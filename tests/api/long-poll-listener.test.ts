import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app';
import { waitFor } from '../../shared/async/wait-for';
import { createDatabase, type Database } from '../../shared/db/database';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-app';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { bearer, tokenFor } from '../support/tokens';

const HEARTBEAT_MS = 300;

/**
 * The API's long-poll listener reaches PostgreSQL through a TCP proxy, so the
 * test can cut or silently drop its connection; the order's status is changed
 * on a connection of the test's own, as a worker would.
 */
describe('long-poll when the listener connection dies', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxy: TcpProxy;
  let app: FastifyInstance;
  let outside: Database;
  const user = 'poller';

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(database.url).port || 5432) });
    app = await buildApp(testConfig(proxy.via(database.url), { LISTENER_HEARTBEAT_MS: String(HEARTBEAT_MS) }), { logger: false });
    await app.ready();
    outside = createDatabase({ url: database.url, poolMax: 2 });
  });
  afterAll(async () => {
    await app?.close();
    await outside?.close();
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

  /** Starts `GET /api/orders/:id?wait=20` and resolves once the request is waiting on the listener. */
  async function longPoll(orderId: string): Promise<{ answer: Promise<{ status: string; seconds: number }> }> {
    const started = Date.now();
    const answer = app
      .inject({ method: 'GET', url: `/api/orders/${orderId}?wait=20`, headers: bearer(tokenFor(user)) })
      .then((res) => ({ status: res.json<{ status: string }>().status, seconds: (Date.now() - started) / 1000 }));
    // the route registers its wait, then reads the order (its history included) and, pending, waits
    await waitFor('the long-poll to be waiting', async () => {
      const [rows] = await outside.query(
        `SELECT 1 FROM pg_stat_activity
          WHERE application_name = 'checkout-api' AND state = 'idle' AND query LIKE '%order_status_history%'`,
      );
      return rows.length > 0;
    });
    return { answer };
  }

  /** The proxied connection of the API's LISTEN session. */
  async function listenerConnection() {
    return waitFor('the listener session', async () => {
      const [rows] = await outside.query(`SELECT client_port FROM pg_stat_activity WHERE application_name = 'checkout-api-listen' ORDER BY backend_start DESC LIMIT 1`);
      const port = (rows as Array<{ client_port: number }>)[0]?.client_port;
      return port !== undefined && proxy.connectionFromPort(port);
    });
  }

  const place = (orderId: string) => outside.query(`UPDATE orders SET status = 'placed' WHERE id = $1`, { bind: [orderId] });

  it('answers well before its wait ends when the listener connection is black-holed', async () => {
    const orderId = await pendingOrder();
    (await listenerConnection()).blackHole();
    const { answer } = await longPoll(orderId);
    await place(orderId);
    const { status, seconds } = await answer;
    expect(status).toBe('placed');
    // without the heartbeat it would have waited the full 20 s
    expect(seconds).toBeLessThan(15);
  });

  it('answers well before its wait ends when the listener connection is reset', async () => {
    const orderId = await pendingOrder();
    const { answer } = await longPoll(orderId);
    (await listenerConnection()).cut();
    await place(orderId);
    const { status, seconds } = await answer;
    expect(status).toBe('placed');
    expect(seconds).toBeLessThan(15);
  });

  it('keeps answering changes through the replaced session', async () => {
    const orderId = await pendingOrder();
    const { answer } = await longPoll(orderId);
    await place(orderId);
    expect(await answer).toMatchObject({ status: 'placed' });
    expect((await answer).seconds).toBeLessThan(15);
  });
});
