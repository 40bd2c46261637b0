import type pg from 'pg';
import { Transaction } from 'sequelize';
import { BEGIN_SQL } from './connection-settings';
import type { Database } from './database';
import { isConnectionLost } from './sql-errors';

/**
 * One unit of work: the database and the transaction every statement of it
 * runs in. The caller that opened it owns it; repositories receive it.
 */
export interface Tx {
  db: Database;
  transaction: Transaction;
}

/**
 * A Sequelize transaction whose BEGIN does not wait for its answer: the
 * pool's connections pipeline (database.ts), so the transaction's first
 * statement goes out right behind BEGIN and both are answered in one round
 * trip. PostgreSQL runs them in order, as it would one after the other; an
 * error in BEGIN reaches the caller before the commit.
 */
class PipelinedTransaction extends Transaction {
  begun: Promise<unknown> = Promise.resolve();

  async begin(): Promise<void> {
    const connection = (this as unknown as { connection: pg.Client }).connection;
    this.begun = connection.query(BEGIN_SQL);
    // awaited before the commit; a failure meanwhile also fails the statements behind it
    this.begun.catch(() => undefined);
  }
}

export interface TransactionOptions<T> {
  /**
   * How to tell whether the transaction committed after COMMIT went out and
   * its answer never came (the connection or the primary was lost right
   * then): given the work's result, resolves true when its effect is in the
   * database, read on another connection. Then `inTransaction` returns the
   * result as if the answer had come; otherwise (false, or the database
   * cannot tell yet) the connection error is thrown — a 503 the client
   * retries, which its idempotency makes safe.
   */
  committed?: (result: T) => Promise<boolean>;
}

/**
 * Runs `work` in a transaction: committed when it resolves, rolled back when
 * it throws (Sequelize's managed transaction, with a pipelined BEGIN). See
 * `committed` for a commit whose answer never came.
 */
export async function inTransaction<T>(db: Database, work: (tx: Tx) => Promise<T>, options: TransactionOptions<T> = {}): Promise<T> {
  const transaction = new PipelinedTransaction(db, {});
  await (transaction as unknown as { prepareEnvironment(useCls: boolean): Promise<void> }).prepareEnvironment(false);
  let result: T;
  try {
    result = await work({ db, transaction });
    await transaction.begun;
  } catch (error) {
    await transaction.rollback().catch(() => undefined);
    throw error;
  }
  try {
    await transaction.commit();
  } catch (error) {
    if (!isConnectionLost(error) || !options.committed) throw error;
    if (!(await options.committed(result).catch(() => false))) throw error;
  }
  return result;
}

/** Where a read runs: on the pool, or inside a caller's transaction. */
export type ReadContext = Database | Tx;

/** The database and (when inside one) the transaction of a read context. */
export function unitOf(on: ReadContext): { db: Database; transaction?: Transaction } {
  return 'db' in on ? on : { db: on };
}
