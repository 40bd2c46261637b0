import 'reflect-metadata';
import pg from 'pg';
import { Sequelize } from 'sequelize-typescript';
import { TimedOut, withTimeout } from '../async/with-timeout';
import { CONNECTION_SETTINGS, SERVER_KEEPALIVE_SQL } from './connection-settings';
import { Product } from './models/product';
import { createSession } from './session';
import { isDuplicateDatabase } from './sql-errors';

/**
 * The process's database: a Sequelize instance, i.e. one connection pool,
 * managed transactions and the models bound to it. Code above the
 * repositories names it by this type and never touches Sequelize itself.
 */
export type Database = Sequelize;

/** Every model of the service, registered on each instance (repository mode: no model is bound to a global one). */
const MODELS = [Product];

export interface DatabaseOptions {
  url: string;
  poolMax: number;
  /** Application name shown in pg_stat_activity (helps ops tell API from worker). */
  applicationName?: string;
  /** Hot-path statements as named prepared statements (DB_PREPARED_STATEMENTS); false: unnamed, for poolers. */
  preparedStatements?: boolean;
}

/** Databases whose hot-path statements go unnamed (see `preparedStatements`). */
const UNNAMED_STATEMENTS = new WeakSet<Database>();

/** Whether the database's hot-path statements are sent as named prepared statements. */
export function usesPreparedStatements(db: Database): boolean {
  return !UNNAMED_STATEMENTS.has(db);
}

/**
 * pg's Client with the service's connection settings (keepalive, connect
 * timeout) and an error listener from birth. Sequelize listens for errors
 * only once a connection is established; a connection killed while it is being
 * opened (failover, pg_terminate_backend) would otherwise emit an unhandled
 * 'error' and crash the process. Query errors still reach their callers.
 */
class ListenedClient extends pg.Client {
  constructor(config: pg.ClientConfig = {}) {
    // pipeline: statements queued on a connection go out at once, answered in order (transaction.ts sends BEGIN so)
    super({ ...CONNECTION_SETTINGS, ...config, pipeline: true } as pg.ClientConfig);
    this.on('error', () => undefined);
  }
}
const pgWithListenedClients = { ...pg, Client: ListenedClient };

/** One Database (and pool) per process. */
export function createDatabase({ url, poolMax, applicationName = 'checkout', preparedStatements = true }: DatabaseOptions): Database {
  const db = new Sequelize(url, {
    dialect: 'postgres',
    dialectModule: pgWithListenedClients,
    repositoryMode: true,
    models: MODELS,
    logging: false,
    benchmark: false,
    pool: { max: poolMax, min: 0, idle: 10_000, acquire: 10_000 },
    dialectOptions: { application_name: applicationName },
    define: { underscored: true },
    hooks: {
      afterConnect: async (connection) => {
        await (connection as pg.Client).query(SERVER_KEEPALIVE_SQL);
      },
    },
  });
  if (!preparedStatements) UNNAMED_STATEMENTS.add(db);
  return db;
}

/** How long a new process waits for PostgreSQL's first connection before going on without it. */
const FIRST_CONNECTION_WAIT_MS = 2_000;

/**
 * Opens the pool's first connection now, waiting at most `timeoutMs`: Sequelize's first connection also reads the
 * server's version and type OIDs (~60 ms on the bench machine), which would otherwise fall on the first request a new
 * process answers (the API at start-up, the worker before it consumes). Never rejects: when the connection fails, or
 * does not come within the wait, it tells `log` why and resolves false, and the pool connects on demand later.
 */
export async function openFirstConnection(
  db: Database,
  { log, timeoutMs = FIRST_CONNECTION_WAIT_MS }: { log?: { warn: (object: object, message: string) => void }; timeoutMs?: number } = {},
): Promise<boolean> {
  try {
    await withTimeout(timeoutMs, pingDatabase(db));
    return true;
  } catch (error) {
    const why = error instanceof TimedOut ? `no answer within ${timeoutMs} ms` : 'the connection failed';
    log?.warn({ err: error }, `PostgreSQL at start-up: ${why}; the pool connects on demand`);
    return false;
  }
}

/** Resolves when the database answers a trivial query (health checks). */
export async function pingDatabase(db: Database): Promise<void> {
  await db.query('SELECT 1');
}

/** Creates the database named in `url` if it does not exist yet (safe when several processes race). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = createSession(admin.toString(), 'checkout-migrate');
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return;
    await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`).catch((error: unknown) => {
      // another process created it first
      if (!isDuplicateDatabase(error)) throw error;
    });
  } finally {
    await client.end();
  }
}

/** Quotes a PostgreSQL identifier (database names come from configuration, not users). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
