import { createDatabase, pingDatabase } from '../../shared/db/database';
import { createTestDatabase, withAdminClient } from '../support/test-database';

/** The health checks' database probe: answers, and would take a write. */
describe('pingDatabase', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  async function ping(): Promise<unknown> {
    const db = createDatabase({ url: database.url, poolMax: 1, applicationName: 'database-ping-test' });
    try {
      return await pingDatabase(db).then(() => 'ok', (error: Error) => error.message);
    } finally {
      await db.close();
    }
  }

  it('passes on a writable database', async () => {
    expect(await ping()).toBe('ok');
  });

  it('fails on a database whose sessions are read-only, as on a standby', async () => {
    // new sessions start read-only, as every session on a server in recovery is
    await withAdminClient((client) => client.query(`ALTER DATABASE "${database.name}" SET default_transaction_read_only = on`));
    try {
      expect(await ping()).toMatch(/read-only/);
    } finally {
      await withAdminClient((client) => client.query(`ALTER DATABASE "${database.name}" RESET default_transaction_read_only`));
    }
    expect(await ping()).toBe('ok');
  });
});
