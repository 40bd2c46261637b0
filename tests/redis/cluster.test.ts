import { randomBytes } from 'node:crypto';
import { startRedisCluster, type RedisCluster } from '../../deploy/local/redis-cluster';
import { spawnService } from '../../deploy/local/service-process';
import { admin } from '../support/actors';
import { checkoutBurst, expectAllFinalAndPublished, shoppersWithCarts } from '../support/checkout-burst';
import { givenFor } from '../support/given';
import { startStack, type Stack, stopStackAndServers } from '../support/stack';

jest.setTimeout(120_000);

/**
 * The service on a Redis Cluster (three masters with a replica each, real
 * servers): every key it writes is placed so that no command spans two hash
 * slots — the queue under a hash-tagged prefix, the stream with its marker.
 * Here the stream shares the queue's tag, so killing that one master takes
 * the queue, the stream and the marker down together.
 */
describe('on a Redis Cluster', () => {
  const tag = `{test-${randomBytes(4).toString('hex')}}`;
  let cluster: RedisCluster;
  let stack: Stack;
  const given = givenFor(() => stack.api);

  beforeAll(async () => {
    cluster = await startRedisCluster();
    stack = await startStack({ ...cluster.env, REDIS_URL: '', QUEUE_PREFIX: tag, ML_EVENTS_STREAM: `${tag}:ml:events` });
    await Promise.all([stack.startWorker(), stack.startWorker()]);
  });
  afterAll(() => stopStackAndServers(stack, cluster));

  it('a checkout is placed, Bull Board lists the queue, and events:tail reads the stream', async () => {
    const { user, product } = await given.userWithCart(2);
    const orderId = await given.checkoutOk(user);
    await stack.waitUntilNoPending();
    expect((await stack.sql(`SELECT status FROM orders WHERE id = $1`, [orderId]))[0].status).toBe('placed');
    await expectAllFinalAndPublished(stack, { initialStock: { [product.id]: 50 }, since: Date.now(), withinMs: 10_000 });

    const board = await stack.api.request('GET', '/admin/queues/api/queues', { token: admin().token });
    expect(board.status).toBe(200);
    expect(board.body.queues).toEqual([
      expect.objectContaining({ name: 'checkout', counts: expect.objectContaining({ completed: expect.any(Number) }) }),
    ]);
    expect(board.body.queues[0].counts.completed).toBeGreaterThanOrEqual(1);

    const tail = spawnService('events-tail', 'scripts/events-tail.ts', stack.env, { args: ['--group', 'cluster-test', '--count', '3'] });
    const { code } = await tail.exited;
    expect({ code, errors: tail.lines.filter((line) => /CROSSSLOT|Error/.test(line)) }).toEqual({ code: 0, errors: [] });
    const types = tail.lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line).type);
    expect(types).toEqual(['cart.item_added', 'checkout.requested', 'order.placed']);
  });

  it("when the queue's master is SIGKILLed in the middle of a burst, every accepted order ends final once within 30 s, stock is conserved and every order.placed is in the stream", async () => {
    const { shoppers, initialStock } = await shoppersWithCarts(stack.api, { count: 40 });
    let killed = { host: '', port: 0 };
    const burst = await checkoutBurst(stack.api, shoppers, {
      spreadMs: 3_000,
      faultAtMs: 1_000,
      fault: async () => (killed = await cluster.killMasterOf(tag)),
    });
    expect(burst.orderIds).toHaveLength(40);
    expect(Object.keys(burst.answers).filter((status) => !['202', '503', 'network'].includes(status))).toEqual([]);

    await expectAllFinalAndPublished(stack, { initialStock, since: burst.faultAt, withinMs: 30_000 });
    expect((await cluster.masterOf(tag)).port).not.toBe(killed.port);
    const logs = [stack.apiProcess, ...stack.workers].flatMap((process) => process.lines);
    expect(logs.filter((line) => line.includes('CROSSSLOT'))).toEqual([]);

    // the workers still take new jobs from the promoted replica
    const { user } = await given.userWithCart(1);
    const orderId = await given.checkoutOk(user);
    await stack.waitUntilNoPending(15_000);
    expect((await stack.sql(`SELECT status FROM orders WHERE id = $1`, [orderId]))[0].status).toBe('placed');
  });
});
