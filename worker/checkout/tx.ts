import type { Transaction } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';

/** The placement transaction, handed to every step (the caller owns it). */
export interface Tx {
  db: Sequelize;
  transaction: Transaction;
}
