import { QueryTypes } from 'sequelize';
import { createDatabase, ensureDatabase, type Database } from './database';
import { ADVISORY_LOCKS, advisoryLock, createSession } from './session';
import { Umzug, type UmzugStorage } from 'umzug';
import type { MigrationFn } from './migration';
import * as m0001 from './migrations/0001-products';
import * as m0002 from './migrations/0002-cart-items';
import * as m0003 from './migrations/0003-orders';
import * as m0004 from './migrations/0004-outbox';
import * as m0005 from './migrations/0005-reconcile-lease';
import * as m0006 from './migrations/0006-relay-state';
import * as m0007 from './migrations/0007-outbox-without-notify';
import * as m0008 from './migrations/0008-relay-batches';
import * as m0009 from './migrations/0009-status-without-notify';
import * as m0010 from './migrations/0010-trace-context';

/** Every migration, in order. A new migration is a new file appended here; shipped ones never change. */
const MIGRATIONS: ReadonlyArray<{ name: string; up: MigrationFn; down: MigrationFn }> = [
  { name: '0001-products', ...m0001 },
  { name: '0002-cart-items', ...m0002 },
  { name: '0003-orders', ...m0003 },
  { name: '0004-outbox', ...m0004 },
  { name: '0005-reconcile-lease', ...m0005 },
  { name: '0006-relay-state', ...m0006 },
  { name: '0007-outbox-without-notify', ...m0007 },
  { name: '0008-relay-batches', ...m0008 },
  { name: '0009-status-without-notify', ...m0009 },
  { name: '0010-trace-context', ...m0010 },
];

/**
 * Applies pending migrations. Each runs in its own transaction together with
 * its row in `schema_migrations`, so a crash never leaves one half-recorded;
 * an advisory lock makes processes that start together wait for each other.
 */
export async function migrate(sequelize: Database, databaseUrl: string): Promise<string[]> {
  const lock = createSession(databaseUrl, 'checkout-migrate');
  await lock.connect();
  try {
    const held = await advisoryLock(lock, ADVISORY_LOCKS.migrations);
    try {
      const applied = await createUmzug(sequelize).up();
      return applied.map((migration) => migration.name);
    } finally {
      await held.release().catch(() => undefined);
    }
  } finally {
    await lock.end();
  }
}

function createUmzug(sequelize: Database): Umzug<Record<string, never>> {
  const inTransaction =
    (name: string, step: MigrationFn, record: string) =>
    () =>
      sequelize.transaction(async (transaction) => {
        const sql = (text: string) => sequelize.query(text, { transaction });
        await step({ name, context: sql });
        await sequelize.query(record, { transaction, bind: [name] });
      });
  return new Umzug({
    migrations: MIGRATIONS.map(({ name, up, down }) => ({
      name,
      up: inTransaction(name, up, 'INSERT INTO schema_migrations (name) VALUES ($1)'),
      down: inTransaction(name, down, 'DELETE FROM schema_migrations WHERE name = $1'),
    })),
    context: {},
    storage: new TransactionalStorage(sequelize),
    logger: undefined,
  });
}

/** Migrations record themselves inside their own transaction; this storage only reads. */
class TransactionalStorage implements UmzugStorage {
  constructor(private readonly sequelize: Database) {}

  async executed(): Promise<string[]> {
    await this.sequelize.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const rows = await this.sequelize.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name', {
      type: QueryTypes.SELECT,
    });
    return rows.map((row) => row.name);
  }

  async logMigration(): Promise<void> {}

  async unlogMigration(): Promise<void> {}
}

/** Creates the database if needed and applies pending migrations, on a connection of its own. */
export async function prepareDatabase(databaseUrl: string): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const sequelize = createDatabase({ url: databaseUrl, poolMax: 1, applicationName: 'checkout-migrate' });
  try {
    return await migrate(sequelize, databaseUrl);
  } finally {
    await sequelize.close();
  }
}
