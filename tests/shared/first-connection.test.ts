import { QueryTypes } from 'sequelize';
import { freePorts } from '../../deploy/local/free-ports';
import { createDatabase, openFirstConnection } from '../../shared/db/database';
import { createTestDatabase } from '../support/test-database';

/**
 * A new process opens its pool's first connection at start-up (API and worker), so that its first request does not:
 * the connection is there afterwards; an unreachable PostgreSQL delays start-up by the wait at most.
 */
describe('openFirstConnection', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('leaves an open connection of the pool behind', async () => {
    const applicationName = `first-connection-${process.pid}`;
    const db = createDatabase({ url: database.url, poolMax: 2, applicationName });
    const observer = createDatabase({ url: database.url, poolMax: 1, applicationName: 'first-connection-observer' });
    try {
      const connections = async () =>
        (
          await observer.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', {
            type: QueryTypes.SELECT,
            bind: [applicationName],
          })
        )[0]!.n;
      expect(await connections()).toBe(0);

      expect(await openFirstConnection(db, { timeoutMs: 5_000 })).toBe(true);
      expect(await connections()).toBe(1);
    } finally {
      await db.close();
      await observer.close();
    }
  });

  it('resolves false, within the wait, when PostgreSQL does not answer', async () => {
    const [closedPort] = await freePorts(1);
    const url = new URL(database.url);
    url.port = String(closedPort);
    const db = createDatabase({ url: url.toString(), poolMax: 1 });
    try {
      const started = performance.now();
      const warnings: string[] = [];
      expect(await openFirstConnection(db, { timeoutMs: 3_000, log: { warn: (message) => warnings.push(message) } })).toBe(false);
      expect(warnings).toEqual(['PostgreSQL did not answer at start-up; the pool connects on demand']);
      expect(performance.now() - started).toBeLessThan(3_000 + 1_000);
    } finally {
      await db.close();
    }
  });
});
