import 'reflect-metadata';
import pg, { Client } from 'pg';
import { Sequelize } from 'sequelize-typescript';
import { CartItem } from './models/cart-item';
import { Product } from './models/product';

/** Every model of the service, registered on each Sequelize instance. */
export const MODELS = [Product, CartItem];

export interface DatabaseOptions {
  url: string;
  poolMax: number;
  /** Application name shown in pg_stat_activity (helps ops tell API from worker). */
  applicationName?: string;
}

/**
 * pg's Client with an error listener from birth. Sequelize listens for errors
 * only once a connection is established; a connection killed while it is being
 * opened (failover, pg_terminate_backend) would otherwise emit an unhandled
 * 'error' and crash the process. Query errors still reach their callers.
 */
class ListenedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}
const pgWithListenedClients = { ...pg, Client: ListenedClient };

/** One Sequelize instance (and pool) per process. */
export function createSequelize({ url, poolMax, applicationName = 'checkout' }: DatabaseOptions): Sequelize {
  return new Sequelize(url, {
    dialect: 'postgres',
    dialectModule: pgWithListenedClients,
    models: MODELS,
    logging: false,
    benchmark: false,
    pool: { max: poolMax, min: 0, idle: 10_000, acquire: 10_000 },
    dialectOptions: { application_name: applicationName, statement_timeout: 30_000 },
    define: { underscored: true },
  });
}

/** Creates the database named in `url` if it does not exist yet (safe when several processes race). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return;
    await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`).catch((error: { code?: string }) => {
      // 42P04 duplicate_database, 23505 unique_violation: another process created it first.
      if (error.code !== '42P04' && error.code !== '23505') throw error;
    });
  } finally {
    await client.end();
  }
}

/** Quotes a PostgreSQL identifier (database names come from configuration, not users). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
