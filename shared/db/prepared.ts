import type { QueryConfig, QueryResultRow } from 'pg';
import type { Transaction } from 'sequelize';
import { usesPreparedStatements, type Database } from './database';
import { unitOf, type ReadContext } from './transaction';

/** A pg connection as Sequelize's pool holds it. */
interface PgConnection {
  query<T extends QueryResultRow>(config: QueryConfig): Promise<{ rows: T[]; rowCount: number | null }>;
}

/**
 * A statement of a hot path, sent as a named prepared statement: PostgreSQL
 * parses and plans it once per connection instead of on every call. The name
 * must be unique per text (connections remember it). With
 * DB_PREPARED_STATEMENTS=false it goes unnamed (parsed each time), which a
 * transaction-mode pooler can pass to any server connection.
 */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

export function statement(name: string, text: string): Statement {
  return { name, text };
}

/** The connection a Sequelize transaction runs on. */
function connectionOf(transaction: Transaction): PgConnection {
  return (transaction as unknown as { connection: PgConnection }).connection;
}

/**
 * Runs a prepared statement on the pool's connections: inside the caller's
 * transaction when there is one, else on a connection borrowed from the pool
 * for this statement. Rows come back as the driver parsed them (the same type
 * parsers as `db.query`).
 */
export async function run<T extends QueryResultRow>(
  on: ReadContext,
  { name, text }: Statement,
  values: unknown[],
): Promise<{ rows: T[]; rowCount: number }> {
  const { db, transaction } = unitOf(on);
  const query = usesPreparedStatements(db as Database) ? { name, text, values } : { text, values };
  if (transaction) {
    const result = await connectionOf(transaction).query<T>(query);
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  }
  const pool = (db as Database).connectionManager;
  const connection = (await pool.getConnection({ type: 'write' })) as unknown as PgConnection;
  try {
    const result = await connection.query<T>(query);
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  } finally {
    pool.releaseConnection(connection as never);
  }
}

/** The rows of a prepared statement. */
export async function rows<T extends QueryResultRow>(on: ReadContext, prepared: Statement, values: unknown[]): Promise<T[]> {
  return (await run<T>(on, prepared, values)).rows;
}
