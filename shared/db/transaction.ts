import type { Transaction } from 'sequelize';
import type { Database } from './database';

/**
 * One unit of work: the database and the transaction every statement of it
 * runs in. The caller that opened it owns it; repositories receive it.
 */
export interface Tx {
  db: Database;
  transaction: Transaction;
}

/** Runs `work` in a transaction: committed when it resolves, rolled back when it throws. */
export function inTransaction<T>(db: Database, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction((transaction) => work({ db, transaction }));
}

/** Where a read runs: on the pool, or inside a caller's transaction. */
export type ReadContext = Database | Tx;

/** The database and (when inside one) the transaction of a read context. */
export function unitOf(on: ReadContext): { db: Database; transaction?: Transaction } {
  return 'db' in on ? on : { db: on };
}
