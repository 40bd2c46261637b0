import type { ClientConfig } from 'pg';

/** The server ends a statement that runs longer than this (pool connections). */
export const STATEMENT_TIMEOUT_MS = 30_000;

/**
 * What every PostgreSQL connection of the service gets, pooled or session:
 * TCP keepalive from both ends — the client probes after 10 s idle, the server
 * (tcp_keepalives_*) notices a vanished client within ~25 s and releases its
 * locks, advisory locks and transaction — and a connect timeout, so a host
 * that does not answer fails instead of hanging.
 */
export const CONNECTION_SETTINGS = {
  keepAlive: true,
  keepAliveInitialDelayMillis: 10_000,
  connectionTimeoutMillis: 5_000,
  options: '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3',
} satisfies ClientConfig;

/**
 * Sessions (LISTEN, advisory locks) also time their queries out on the client:
 * an answer that never comes — a black-holed connection — fails the query, and
 * the session is then destroyed and opened again.
 */
export const SESSION_QUERY_TIMEOUT_MS = 10_000;
