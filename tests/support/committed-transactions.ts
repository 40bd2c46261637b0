import type { TestApp } from './test-app';
import { withAdminClient } from './test-database';

/**
 * Runs `work` and counts the transactions PostgreSQL commits on the app's
 * database meanwhile, as its statistics show them (pg_stat_database
 * .xact_commit): a statement outside a transaction is one. A backend hands
 * its counts over when it goes idle, at most once a second (otherwise up to
 * 10 s later) unless asked to at once; so the app must have one connection
 * (DB_POOL_MAX=1), on which the count is asked for before and after `work`.
 * Nothing else may use the database meanwhile.
 */
export async function committedTransactionsDuring<T>(t: TestApp, work: () => Promise<T>): Promise<{ result: T; transactions: number }> {
  if (t.config.DB_POOL_MAX !== 1) throw new Error('committedTransactionsDuring counts on the app with one connection: start it with DB_POOL_MAX=1');
  const database = decodeURIComponent(new URL(t.config.DATABASE_URL).pathname.slice(1));
  const committed = async () => {
    // the backend hands its counts over before it answers; it reads a table so that it has any to hand over (one without table counts keeps its transaction count too)
    await t.sql('SELECT pg_stat_force_next_flush() FROM pg_database LIMIT 1');
    // read from the maintenance database, so that reading adds nothing to the count
    return withAdminClient(async (client) => {
      const { rows } = await client.query<{ commits: string }>('SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = $1', [database]);
      return Number(rows[0]!.commits);
    });
  };
  const before = await committed();
  const result = await work();
  // less the transaction that asked for the count after `work`
  return { result, transactions: (await committed()) - before - 1 };
}
