import { Client, type QueryConfig } from 'pg';
import { CONNECTION_SETTINGS, SERVER_KEEPALIVE_SQL, SESSION_QUERY_TIMEOUT_MS } from './connection-settings';

/**
 * A PostgreSQL session of its own, outside the pool, for what only a session
 * can hold: session-level advisory locks (relay leadership, migrations).
 * Everything else goes through the Database's pool.
 */
export type Session = Client;

/** Advisory-lock keys, in one list so that no two uses collide. */
export const ADVISORY_LOCKS = {
  migrations: 7_201_001,
  /** Namespace of per-user cart locks (the second key is a hash of the user id). */
  cartNamespace: 7_201_002,
  relayLeader: 7_201_003,
} as const;

/**
 * A new, not yet connected session; the caller connects it and ends it.
 * `url` is a session connection to the primary (DATABASE_DIRECT_URL), never
 * a transaction-mode pooler.
 */
export function createSession(url: string, applicationName: string): Session {
  const session = new Client({
    ...CONNECTION_SETTINGS,
    query_timeout: SESSION_QUERY_TIMEOUT_MS,
    connectionString: url,
    application_name: applicationName,
  });
  // emitted as the connection becomes ready, before the caller's first query is queued: this one goes first
  session.once('connect', () => void session.query(SERVER_KEEPALIVE_SQL).catch(() => undefined));
  return session;
}

/**
 * Ends a session at once, without waiting for the server's goodbye — which
 * never comes through a black-holed connection. Safe to call twice.
 */
export function destroySession(session: Session): void {
  (session as unknown as { connection?: { stream?: { destroy: () => void } } }).connection?.stream?.destroy();
  void session.end().catch(() => undefined);
}

/** Takes a session-level advisory lock if it is free: true when this session now holds it (until it ends). */
export async function tryAdvisoryLock(session: Session, key: number): Promise<boolean> {
  const { rows } = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [key]);
  return rows[0]?.locked === true;
}

/** Waits for a session-level advisory lock; `release` gives it back. */
export async function advisoryLock(session: Session, key: number): Promise<{ release: () => Promise<void> }> {
  // waiting for another holder (a migration in another process) may take long: no client-side limit (setTimeout's max)
  await session.query({ text: 'SELECT pg_advisory_lock($1)', values: [key], query_timeout: 2_147_483_647 } as QueryConfig);
  return { release: async () => void (await session.query('SELECT pg_advisory_unlock($1)', [key])) };
}
