import { Queue } from 'bullmq';
import { CHECKOUT_QUEUE } from '../../shared/queue/checkout-queue';
import { expectInvariants } from '../support/invariants';
import { actor } from '../support/actors';
import { givenFor } from '../support/given';
import { startStack, type Stack } from '../support/stack';

jest.setTimeout(90_000);

describe('a job delivered twice, and workers racing on one order', () => {
  let stack: Stack;
  let queue: Queue;
  const given = givenFor(() => stack.api);
  beforeAll(async () => {
    stack = await startStack();
    queue = new Queue(CHECKOUT_QUEUE, { connection: stack.redis, prefix: stack.env.QUEUE_PREFIX });
  });
  afterAll(async () => {
    await queue.close();
    await stack.stop();
  });

  it('when the same order is delivered in several jobs to two workers at once, it is placed once and stock is taken once', async () => {
    const productId = (await given.product({ price: '5.00', stock: 100 })).id;
    const orderIds: string[] = [];
    for (let i = 0; i < 10; i += 1) orderIds.push(await given.pendingOrder(actor(`dup-${i}`), [[productId, 3]]));
    // duplicates of every job, under other ids, as a redelivery would produce
    for (const [i, orderId] of orderIds.entries()) {
      for (const copy of [1, 2, 3]) {
        await queue.add('place-order', { orderId, userId: `dup-${i}` }, { jobId: `${orderId}-copy-${copy}` });
      }
    }
    await Promise.all([stack.startWorker({ WORKER_CONCURRENCY: '8' }), stack.startWorker({ WORKER_CONCURRENCY: '8' })]);
    await stack.waitUntilNoPending();

    const placed = await stack.sql(`SELECT id FROM orders WHERE status = 'placed'`);
    expect(placed).toHaveLength(10);
    const history = await stack.sql<{ order_id: string; n: number }>(
      `SELECT order_id, count(*)::int AS n FROM order_status_history WHERE status = 'placed' GROUP BY 1`,
    );
    expect(history.every((row) => row.n === 1)).toBe(true);
    const [product] = await stack.sql('SELECT stock FROM products WHERE id = $1', [productId]);
    expect(product.stock).toBe(100 - 10 * 3);
    // the copies completed as no-ops
    const skipped = [...stack.workers.flatMap((worker) => worker.lines)].filter((line) => line.includes('no longer pending'));
    expect(skipped.length).toBeGreaterThanOrEqual(1);
    await expectInvariants(stack, { [productId]: 100 });
  });
});
