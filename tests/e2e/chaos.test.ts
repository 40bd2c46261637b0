import { runChaos } from '../../bench/chaos/run-chaos';
import { PG_SERVER_URL } from '../support/test-database';

jest.setTimeout(240_000);

/** A small `npm run chaos`: the same run, fewer shoppers, a shorter window. */
describe('chaos: checkouts under worker and API kills, a partition, Redis and PostgreSQL failovers, a Redis flush, terminated backends and a cut status subscriber', () => {
  it('ends with every order final, none duplicated, stock conserved, carts right, one order.placed per placed order', async () => {
    const figures = await runChaos({
      users: 24,
      products: 4,
      stock: 8,
      workers: 2,
      windowMs: 6_000,
      killEveryMs: 2_000,
      flushAtMs: 3_000,
      redisFailoverAtMs: [4_000],
      postgresFailoverAtMs: [2_000],
      apis: 2,
      killApiAtMs: [2_500],
      partitionAtMs: [1_000],
      partitionMs: 5_000,
      terminateBackendsAtMs: [1_500, 4_500],
      cutSubscriberAtMs: [2_500],
      settleMs: 30_000,
      logDir: process.env.CHAOS_LOG_DIR,
      log: process.env.CHAOS_LOG_DIR ? (line) => console.log(line) : undefined,
      pgServerUrl: PG_SERVER_URL,
      redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    });

    expect(figures.violations).toEqual([]);
    expect(figures.orders).toBe(24);
    expect(figures.placed + figures.failed).toBe(24);
    // demand (1-2 lines of 1-3 units each) is above the stock: both outcomes occur
    expect(figures.placed).toBeGreaterThan(0);
    expect(figures.failed).toBeGreaterThan(0);
    expect(figures.faults).toEqual({
      workerKills: 2,
      apiKills: 1,
      redisFlushes: 1,
      redisFailovers: 1,
      postgresFailovers: 1,
      partitions: 1,
      backendTerminations: 2,
      subscriberCuts: 1,
    });
    expect(figures.longPolls.answered).toBe(figures.longPolls.sent);
  });
});
