import { quoteIdentifier } from '../../shared/db/database';
import { runPrefix, withAdminClient } from './test-database';

/** Drops the run's template and any test database a crashed file left behind. */
export default async function globalTeardown(): Promise<void> {
  await withAdminClient(async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1 || '\\_%'",
      [runPrefix()],
    );
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(datname)} WITH (FORCE)`);
  });
}
