import { waitFor } from '../../deploy/local/wait-for';
import { givenFor } from '../support/given';
import { startStack, type Stack } from '../support/stack';
import { startTcpProxy, type TcpProxy } from '../../deploy/local/tcp-proxy';

jest.setTimeout(90_000);

/**
 * A worker whose only way to Redis is a TCP proxy the test controls: its
 * connections are reset, refused for a while, or silently dropped, and it
 * must go on placing orders each time without a restart.
 */
describe('a worker after its Redis connections fail', () => {
  let stack: Stack;
  let proxy: TcpProxy;
  const given = givenFor(() => stack.api);

  beforeAll(async () => {
    stack = await startStack();
    const redisUrl = new URL(stack.env.REDIS_URL!);
    proxy = await startTcpProxy({ host: redisUrl.hostname, port: Number(redisUrl.port) });
    await stack.startWorker({ REDIS_URL: proxy.via(stack.env.REDIS_URL!), WORKER_STUCK_AFTER_MS: '2000' });
  });
  afterAll(async () => {
    await stack?.stop();
    await proxy?.close();
  });

  /** Checks a new shopper out and waits until the worker placed the order. */
  async function expectPlaced(timeoutMs: number): Promise<void> {
    const { user } = await given.userWithCart(1);
    const orderId = await given.checkoutOk(user);
    await stack.waitUntilNoPending(timeoutMs);
    expect((await stack.sql(`SELECT status FROM orders WHERE id = $1`, [orderId]))[0].status).toBe('placed');
  }

  /** The worker has placed an order and opened all its connections: consumer, its blocking one, queue, relay. */
  async function untilSteady(): Promise<void> {
    await expectPlaced(20_000);
    await waitFor("the worker's four connections through the proxy", async () => proxy.openConnections() >= 4);
  }

  it('places orders before any fault', async () => {
    await expectPlaced(10_000);
  });

  it('goes on placing orders after its connections are reset and Redis refuses it for 3 s', async () => {
    await untilSteady();
    proxy.refuse(true);
    proxy.cut();
    // checkouts meanwhile still reach Redis from the API: their jobs wait for the worker
    const { user } = await given.userWithCart(1);
    const waiting = await given.checkoutOk(user);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    proxy.refuse(false);

    await stack.waitUntilNoPending(20_000);
    expect((await stack.sql(`SELECT status FROM orders WHERE id = $1`, [waiting]))[0].status).toBe('placed');
    await expectPlaced(10_000);
  });

  it('goes on placing orders after its connections are silently dropped (no reset, no answer)', async () => {
    await untilSteady();
    const worker = stack.workers[0]!;
    const from = worker.lines.length;
    proxy.blackHole();
    await expectPlaced(30_000);
    expect(worker.child.exitCode).toBeNull();
    // found out by the heartbeat (or the consumer's watchdog), not by an error from the network
    expect(worker.lines.slice(from).filter((line) => /no answer to PING|replacing its consumer/.test(line))).not.toEqual([]);
  });
});
