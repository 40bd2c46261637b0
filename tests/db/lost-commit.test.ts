import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../api/app';
import { waitFor } from '../../deploy/local/wait-for';
import type { Config } from '../../shared/config/config-schema';
import { createDatabase, type Database } from '../../shared/db/database';
import { deleteQueueKeys } from '../../deploy/local/queue-keys';
import { startWorker, type RunningWorker } from '../../worker/start-worker';
import { admin, newUser } from '../support/actors';
import { injectClient } from '../support/api-client';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { startTcpProxy, type TcpProxy } from '../../deploy/local/tcp-proxy';
import { testConfig } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';

jest.setTimeout(60_000);

/**
 * A COMMIT whose answer never came: the API and the worker reach PostgreSQL
 * through a TCP proxy that lets the next COMMIT reach the server and then
 * resets the connection before the answer gets back. The server committed;
 * the service must find that out and answer as if the answer had come, on
 * every write path: accepting a checkout, placing an order, a customer's
 * cancel, an admin's move.
 */
describe('a commit whose answer never came', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxy: TcpProxy;
  let config: Config;
  let app: FastifyInstance;
  let outside: Database;
  let worker: RunningWorker | undefined;
  const api = routesFor(() => injectClient(app));
  const given = givenFor(() => injectClient(app));

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(database.url).port || 5432) });
    config = testConfig(proxy.via(database.url), { DATABASE_DIRECT_URL: database.url });
    app = await buildApp(config, { logger: false });
    await app.ready();
    outside = createDatabase({ url: database.url, poolMax: 2 });
  });
  afterAll(async () => {
    await worker?.stop();
    await deleteQueueKeys(app.redis, config.QUEUE_PREFIX);
    await app?.close();
    await outside?.close();
    await proxy?.close();
    await database?.drop();
  });

  const rows = async <T>(text: string, bind: unknown[]) => (await outside.query(text, { bind, type: 'SELECT' } as never)) as unknown as T[];
  const historyOf = (orderId: string) =>
    rows<{ status: string }>('SELECT status FROM order_status_history WHERE order_id = $1 ORDER BY id', [orderId]).then((list) =>
      list.map((row) => row.status),
    );

  it('accepting a checkout answers 202 with the order it committed, and its job is enqueued', async () => {
    const { user } = await given.userWithCart(2);
    const lost = proxy.loseAnswerTo(/COMMIT/);
    const res = await api.checkout(user);
    await lost;
    expect(res.status).toBe(202);
    const orderId = res.body.order_id as string;
    expect(await rows('SELECT id FROM orders WHERE user_id = $1', [user.id])).toEqual([{ id: orderId }]);
    expect(await app.checkoutQueue.getJob(orderId)).toBeDefined();
  });

  it("a customer's cancel answers 200 cancelled, cancelled once", async () => {
    const { user } = await given.userWithCart(1);
    const orderId = await given.checkoutOk(user);
    const lost = proxy.loseAnswerTo(/COMMIT/);
    const res = await api.cancel(user, orderId);
    await lost;
    expect({ status: res.status, order: res.body.status }).toEqual({ status: 200, order: 'cancelled' });
    expect(await historyOf(orderId)).toEqual(['pending', 'cancelled']);
  });

  it("an admin's move answers 200 with the new status, moved once", async () => {
    const { user } = await given.userWithCart(1);
    const orderId = await given.checkoutOk(user);
    const lost = proxy.loseAnswerTo(/COMMIT/);
    const res = await api.adminPatchOrder(admin(), orderId, { status: 'failed' });
    await lost;
    expect({ status: res.status, order: res.body.status }).toEqual({ status: 200, order: 'failed' });
    expect(await historyOf(orderId)).toEqual(['pending', 'failed']);
  });

  it('a placement is placed once: stock taken once, one history row, the job completed', async () => {
    const product = await given.product({ stock: 10 });
    const user = newUser();
    await given.cart(user, product, 3);
    const orderId = await given.checkoutOk(user);
    const lost = proxy.loseAnswerTo(/COMMIT/);
    worker = await startWorker(config, pino({ level: 'silent' }));
    await lost;
    await waitFor('the job to complete', async () => (await app.checkoutQueue.getJob(orderId))?.finishedOn !== undefined, { timeoutMs: 30_000 });
    const job = await app.checkoutQueue.getJob(orderId);
    expect({ state: await job!.getState(), result: job!.returnvalue }).toEqual({ state: 'completed', result: { status: 'placed' } });
    expect(await historyOf(orderId)).toEqual(['pending', 'placed']);
    expect(await rows('SELECT stock FROM products WHERE id = $1', [product.id])).toEqual([{ stock: 7 }]);
  });
});
