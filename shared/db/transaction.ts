import type pg from 'pg';
import { Transaction } from 'sequelize';
import { BEGIN_SQL } from './connection-settings';
import type { Database } from './database';

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

/**
 * Runs `work` in a transaction: committed when it resolves, rolled back when
 * it throws (Sequelize's managed transaction, with a pipelined BEGIN).
 */
export async function inTransaction<T>(db: Database, work: (tx: Tx) => Promise<T>): Promise<T> {
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
  await transaction.commit();
  return result;
}

/** Where a read runs: on the pool, or inside a caller's transaction. */
export type ReadContext = Database | Tx;

/** The database and (when inside one) the transaction of a read context. */
export function unitOf(on: ReadContext): { db: Database; transaction?: Transaction } {
  return 'db' in on ? on : { db: on };
}
