import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../shared/config/config-schema';
import { createDatabase, openFirstConnection, type Database } from '../../shared/db/database';

declare module 'fastify' {
  interface FastifyInstance {
    /** The process's database (one pool), closed with the app. */
    db: Database;
  }
}

/** How long start-up waits for the first connection before going on without it. */
const FIRST_CONNECTION_WAIT_MS = 2_000;

/** External tier: the PostgreSQL pool, its first connection opened at start-up (PostgreSQL down never blocks start-up). */
export const databasePlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const db = createDatabase({
      url: config.DATABASE_URL,
      poolMax: config.DB_POOL_MAX,
      applicationName: 'checkout-api',
      preparedStatements: config.DB_PREPARED_STATEMENTS,
    });
    app.decorate('db', db);
    app.addHook('onClose', () => db.close());
    if (!(await openFirstConnection(db, FIRST_CONNECTION_WAIT_MS))) {
      app.log.warn('PostgreSQL did not answer at start-up; the pool connects on demand');
    }
  },
  { name: 'database' },
);
