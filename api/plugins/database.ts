import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Sequelize } from 'sequelize-typescript';
import type { Config } from '../../shared/config/config-schema';
import { createSequelize } from '../../shared/db/database';

declare module 'fastify' {
  interface FastifyInstance {
    /** The process's Sequelize instance (one pool), closed with the app. */
    db: Sequelize;
  }
}

/** External tier: the PostgreSQL pool. */
export const databasePlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const db = createSequelize({ url: config.DATABASE_URL, poolMax: config.DB_POOL_MAX, applicationName: 'checkout-api' });
    app.decorate('db', db);
    app.addHook('onClose', () => db.close());
  },
  { name: 'database' },
);
