import { startSentinelGroup, type SentinelGroup } from '../../deploy/local/redis-sentinel';
import { checkoutBurst, expectAllFinalAndPublished, shoppersWithCarts } from '../support/checkout-burst';
import { givenFor } from '../support/given';
import { startStack, type Stack, stopStackAndServers } from '../support/stack';

jest.setTimeout(120_000);

/**
 * The service on Redis behind Sentinel (a master, two replicas, three
 * sentinels, all real servers): API and workers find the master through the
 * sentinels and follow a failover without a restart; the relay waits for the
 * replica to confirm each batch (ML_EVENTS_DURABILITY=replica).
 */
describe('on Redis behind Sentinel', () => {
  let group: SentinelGroup;
  let stack: Stack;
  const given = givenFor(() => stack.api);

  beforeAll(async () => {
    // two replicas: after the failover one is left to confirm the relay's batches
    group = await startSentinelGroup({ replicas: 2 });
    // rows are marked published only once the replica has the batch: the failover below republishes nothing it confirmed
    stack = await startStack({ ...group.env, REDIS_URL: '', ML_EVENTS_DURABILITY: 'replica' });
    await Promise.all([stack.startWorker(), stack.startWorker()]);
  });
  afterAll(() => stopStackAndServers(stack, group));

  it('a checkout is placed and its events reach the stream', async () => {
    const { user, product } = await given.userWithCart(2);
    const orderId = await given.checkoutOk(user);
    await stack.waitUntilNoPending();
    const [order] = await stack.sql(`SELECT status FROM orders WHERE id = $1`, [orderId]);
    expect(order.status).toBe('placed');
    await expectAllFinalAndPublished(stack, { initialStock: { [product.id]: 50 }, since: Date.now(), withinMs: 10_000 });
  });

  it('when the master is SIGKILLed in the middle of a burst, every accepted order ends final once within 30 s, stock is conserved and every order.placed is in the stream', async () => {
    const { shoppers, initialStock } = await shoppersWithCarts(stack.api, { count: 40 });
    let killed = { host: '', port: 0 };
    const burst = await checkoutBurst(stack.api, shoppers, {
      spreadMs: 3_000,
      faultAtMs: 1_000,
      fault: async () => (killed = await group.killMaster()),
    });
    expect(burst.orderIds).toHaveLength(40);
    expect(Object.keys(burst.answers).filter((status) => !['202', '503', 'network'].includes(status))).toEqual([]);

    await expectAllFinalAndPublished(stack, { initialStock, since: burst.faultAt, withinMs: 30_000 });
    expect((await group.master()).port).not.toBe(killed.port);

    // the workers still take new jobs from the new master
    const { user } = await given.userWithCart(1);
    const orderId = await given.checkoutOk(user);
    await stack.waitUntilNoPending(15_000);
    expect((await stack.sql(`SELECT status FROM orders WHERE id = $1`, [orderId]))[0].status).toBe('placed');
  });
});
