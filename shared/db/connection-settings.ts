import type { ClientConfig } from 'pg';

/** The server ends a statement of a transaction that runs longer than this. */
export const STATEMENT_TIMEOUT_MS = 30_000;

/**
 * What every PostgreSQL connection of the service gets from the client side:
 * TCP keepalive probes after 10 s idle and a connect timeout, so a host that
 * does not answer fails instead of hanging. Nothing goes in the start-up
 * packet but the application name: a pooler (PgBouncer) refuses the rest.
 */
export const CONNECTION_SETTINGS = {
  keepAlive: true,
  keepAliveInitialDelayMillis: 10_000,
  connectionTimeoutMillis: 5_000,
} satisfies ClientConfig;

/**
 * Sent once on every new connection: the server probes an idle client too and
 * notices a vanished one within ~25 s, releasing its locks, advisory locks
 * and transaction; an answer the client never acknowledges (a partition
 * while data is in flight, where keepalive does not probe) gives up after
 * 20 s instead of TCP's ~15 minutes of retransmissions. (Through a transaction-mode pooler it lands on one of the
 * pooler's server connections, where it is as right for every client.)
 */
export const SERVER_KEEPALIVE_SQL =
  'SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3; SET tcp_user_timeout = 20000';

/**
 * A transaction left waiting on its client this long is ended by the server,
 * its locks released: a worker cut off from the database mid-placement (its
 * client never sends the next statement) no longer blocks the worker that
 * takes its job over. No transaction of the service waits on anything but
 * the database between its statements.
 */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 15_000;

/**
 * How every transaction of the pool starts: its statement timeout and its
 * idle-in-transaction timeout are its own (SET LOCAL), so they hold through a
 * transaction-mode pooler, where a session setting would stay on a server
 * connection that others get next.
 */
export const BEGIN_SQL = `BEGIN; SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}; SET LOCAL idle_in_transaction_session_timeout = ${IDLE_IN_TRANSACTION_TIMEOUT_MS}`;

/**
 * Sessions (advisory locks) also time their queries out on the client: an
 * answer that never comes — a black-holed connection — fails the query, and
 * the session is then destroyed and opened again.
 */
export const SESSION_QUERY_TIMEOUT_MS = 10_000;
