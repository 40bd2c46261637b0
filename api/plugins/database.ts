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
    await openFirstConnection(db, { log: app.log });
  },
  { name: 'database' },
);
