import 'reflect-metadata';
import pg from 'pg';
import { Sequelize } from 'sequelize-typescript';
import { QueryTypes } from 'sequelize';
import { TimedOut, withTimeout } from '../async/with-timeout';
import { CONNECTION_SETTINGS, SERVER_KEEPALIVE_SQL } from './connection-settings';
import { Product } from './models/product';
import type { WarnLog } from '../logging/logger';
import type { Statement } from './prepared';
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
  /**
   * Connections kept open however long they stay idle (the others close after 10 s idle): a new connection is a new
   * PostgreSQL backend, whose first statements plan with cold catalog caches — at low traffic every request would
   * meet one. The process's warm connections (`WarmUp.connections`).
   */
  poolMin?: number;
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
export function createDatabase({ url, poolMax, poolMin = 0, applicationName = 'checkout', preparedStatements = true }: DatabaseOptions): Database {
  const db = new Sequelize(url, {
    dialect: 'postgres',
    dialectModule: pgWithListenedClients,
    repositoryMode: true,
    models: MODELS,
    logging: false,
    benchmark: false,
    pool: { max: poolMax, min: Math.min(poolMin, poolMax), idle: 10_000, acquire: 10_000 },
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

/** How long a new process waits for its first connections before going on without them. */
const FIRST_CONNECTION_WAIT_MS = 2_000;

/** What a new process readies at start-up: this many connections of its pool, each having planned `statements`. */
export interface WarmUp {
  connections: number;
  /** The process's hot statements. */
  statements: readonly Statement[];
}

/**
 * Opens `connections` of the pool now (at least the first) and has each plan `statements` once, waiting at most
 * `timeoutMs`, so that a new process's first requests find them ready. Sequelize's first connection reads the server's
 * version and type OIDs (~60 ms on the bench machine); and a new PostgreSQL backend parses and plans its first
 * statements with cold catalog caches: the checkout's accept statement took 14-24 ms on a new connection, 3-5 ms after
 * an EXPLAIN of it. EXPLAIN (without ANALYZE) parses and plans a statement without running it, its parameters null.
 * A pool created with `poolMin` of as many keeps them open. Never rejects: when a connection fails, or they do not come
 * within the wait, it tells `log` why and resolves false, and the pool connects on demand later; a statement that
 * cannot be planned is logged and skipped.
 */
export async function openWarmConnections(
  db: Database,
  { connections = 1, statements = [], log, timeoutMs = FIRST_CONNECTION_WAIT_MS }: Partial<WarmUp> & { log?: WarnLog; timeoutMs?: number } = {},
): Promise<boolean> {
  const count = Math.max(1, Math.min(connections, db.options.pool?.max ?? connections));
  const pool = db.connectionManager;
  const ofPool = {
    open: () => pool.getConnection({ type: 'write' }) as Promise<unknown> as Promise<pg.Client>,
    release: (connection: pg.Client) => pool.releaseConnection(connection as never),
  };
  try {
    await withTimeout(timeoutMs, openAndPlan(count, ofPool, statements, { log, timeoutMs }));
    return true;
  } catch (error) {
    const why = error instanceof TimedOut ? `no answer within ${timeoutMs} ms` : 'the connection failed';
    log?.warn({ err: error }, `PostgreSQL at start-up: ${why}; the pool connects on demand`);
    return false;
  }
}

/**
 * Opens `count` connections with `open` (the first alone: Sequelize reads the type OIDs on every new connection until
 * it has them), has each plan `statements` (planStatements), and gives them back with `release`. Those that opened are
 * planned even when another did not; then the first failure is thrown.
 */
export async function openAndPlan<C extends pg.ClientBase>(
  count: number,
  { open, release }: { open: () => Promise<C>; release: (connection: C) => void },
  statements: readonly Statement[],
  options: PlanOptions = {},
): Promise<void> {
  const first = await open();
  const others = await Promise.allSettled(Array.from({ length: count - 1 }, open));
  const opened = [first, ...others.flatMap((other) => (other.status === 'fulfilled' ? [other.value] : []))];
  try {
    await Promise.all(opened.map((connection) => planStatements(connection, statements, options)));
    const failed = others.find((other) => other.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    for (const connection of opened) release(connection);
  }
}

interface PlanOptions {
  log?: WarnLog;
  /** How long planning may wait (a lock held by a migration's ALTER TABLE, say) before it gives up. */
  timeoutMs?: number;
}

/**
 * Has a new connection parse and plan each statement once: EXPLAIN with null parameters, so nothing runs, in a
 * transaction of its own (rolled back) whose lock and statement timeouts bound the wait; a statement that cannot be
 * planned is logged and skipped.
 */
export async function planStatements(
  connection: pg.ClientBase,
  statements: readonly Statement[],
  { log, timeoutMs = FIRST_CONNECTION_WAIT_MS }: PlanOptions = {},
): Promise<void> {
  const ms = Math.max(1, Math.round(timeoutMs));
  await connection.query(`BEGIN; SET LOCAL lock_timeout = ${ms}; SET LOCAL statement_timeout = ${ms}`);
  try {
    for (const { name, text } of statements) {
      const parameters = Math.max(0, ...Array.from(text.matchAll(/\$(\d+)/g), (match) => Number(match[1])));
      await connection.query('SAVEPOINT plan');
      await connection.query({ text: `EXPLAIN ${text}`, values: new Array<null>(parameters).fill(null) }).catch(async (error: unknown) => {
        log?.warn({ err: error, statement: name }, 'PostgreSQL at start-up: a hot statement could not be planned');
        await connection.query('ROLLBACK TO SAVEPOINT plan');
      });
    }
  } finally {
    await connection.query('ROLLBACK');
  }
}

/**
 * Resolves when the database answers and would take a write (health checks). A server in recovery (a standby: a
 * DATABASE_URL that points at a replica, or a node mid-failover) or one whose sessions are read-only fails the check,
 * so readiness and `checkout_dependency_up` say so instead of every write answering 503.
 */
export async function pingDatabase(db: Database): Promise<void> {
  const [answer] = await db.query<{ writable: boolean }>(
    `SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off' AS writable`,
    { type: QueryTypes.SELECT },
  );
  if (!answer?.writable) throw new Error('the database is read-only (a standby, or read-only sessions)');
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
