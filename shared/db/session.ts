import { Client } from 'pg';

/**
 * A PostgreSQL session of its own, outside the pool, for what only a session
 * can hold: LISTEN, and session-level advisory locks (relay leadership,
 * migrations). Everything else goes through the Database's pool.
 */
export type Session = Client;

/** A new, not yet connected session; the caller connects it and ends it. */
export function createSession(url: string, applicationName: string): Session {
  return new Client({ connectionString: url, application_name: applicationName });
}
