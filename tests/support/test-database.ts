import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { quoteIdentifier } from '../../shared/db/database';

/** The server every test database lives on (the machine's PostgreSQL unless TEST_PG_URL says otherwise). */
export const PG_SERVER_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

/** Names of this jest run's databases start with this (the run's template sets it). */
export function runPrefix(): string {
  const prefix = process.env.CHECKOUT_TEST_RUN;
  if (!prefix) throw new Error('CHECKOUT_TEST_RUN is not set: run the tests through jest (global setup)');
  return prefix;
}

export function databaseUrl(name: string): string {
  return `${PG_SERVER_URL}/${name}`;
}

/** Runs `work` on a connection to the server's maintenance database. */
export async function withAdminClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database cloned from the run's template: one per test file. */
export async function createTestDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `${runPrefix()}_${randomBytes(4).toString('hex')}`;
  await withAdminClient((client) =>
    client.query(`CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE ${quoteIdentifier(`${runPrefix()}_template`)}`),
  );
  return {
    name,
    url: databaseUrl(name),
    drop: () => withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`)).then(() => undefined),
  };
}
