import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../shared/config/config-schema';
import { CART_ADD_STATEMENTS } from '../../shared/cart/cart-service';
import { ACCEPT_STATEMENTS } from '../../shared/checkout/checkout-service';
import { createDatabase, openWarmConnections, type Database, type WarmUp } from '../../shared/db/database';
import { ORDER_READ_STATEMENTS } from '../../shared/orders/order-service';

declare module 'fastify' {
  interface FastifyInstance {
    /** The process's database (one pool), closed with the app. */
    db: Database;
  }
}

/**
 * What a new API readies before it listens: a connection for each accept transaction and each order read it runs at
 * once, each having planned the statements of checkout, order polls and cart additions.
 */
export function apiWarmUp(config: Config): WarmUp {
  return {
    // at most the pool's size: createDatabase and openWarmConnections cap it
    connections: config.CHECKOUT_ACCEPTS_IN_FLIGHT + config.ORDER_READS_IN_FLIGHT,
    statements: [...new Set([...ACCEPT_STATEMENTS, ...ORDER_READ_STATEMENTS, ...CART_ADD_STATEMENTS])],
  };
}

/**
 * External tier: the PostgreSQL pool, its warm connections opened at start-up and kept open (PostgreSQL down never blocks
 * start-up).
 */
export const databasePlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const warmUp = apiWarmUp(config);
    const db = createDatabase({
      url: config.DATABASE_URL,
      poolMax: config.DB_POOL_MAX,
      poolMin: warmUp.connections,
      applicationName: 'checkout-api',
      preparedStatements: config.DB_PREPARED_STATEMENTS,
    });
    app.decorate('db', db);
    app.addHook('onClose', () => db.close());
    await openWarmConnections(db, { ...warmUp, log: app.log });
  },
  { name: 'database' },
);
