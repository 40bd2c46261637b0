import { ConnectionError } from 'sequelize';

/**
 * The one place that reads driver errors: it turns SQLSTATEs and Sequelize's
 * error classes into meanings, so nothing above the repositories looks at
 * `error.original.code`.
 */

/** The SQLSTATE of a pg error, or of the pg error Sequelize wrapped. */
function sqlState(error: unknown): string | undefined {
  const { code, original } = (error ?? {}) as { code?: unknown; original?: { code?: unknown } };
  const state = original?.code ?? code;
  return typeof state === 'string' ? state : undefined;
}

/** A CHECK constraint refused the row (23514). */
export function isCheckViolation(error: unknown): boolean {
  return sqlState(error) === '23514';
}

/** A UNIQUE constraint or index refused the row (23505). */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}

/** A number beyond its column's range (22003). */
export function isNumericOutOfRange(error: unknown): boolean {
  return sqlState(error) === '22003';
}

/** CREATE DATABASE lost a race: another session created it (42P04, or 23505 on the catalogue). */
export function isDuplicateDatabase(error: unknown): boolean {
  const state = sqlState(error);
  return state === '42P04' || state === '23505';
}

/** Node's codes for a socket that failed, was reset, or whose host does not resolve. */
const SOCKET_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** What pg says when the server or the network ends a connection under a query (these carry no SQLSTATE). */
const CONNECTION_ENDED = /^Connection terminated|connection error and is not queryable|Connection ended unexpectedly/;
/** 57P01-57P03: the server is shutting down, crashed or not accepting connections yet; 53300: too many connections. */
const SERVER_GONE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/**
 * No connection could be had, or the server or the network ended it: pool
 * acquire timeout, refused, host not found, reset, terminated mid-query.
 */
export function isConnectionLost(error: unknown): boolean {
  if (error instanceof ConnectionError) return true;
  const state = sqlState(error);
  if (state !== undefined && (state.startsWith('08') || SERVER_GONE_SQLSTATES.has(state))) return true;
  return [error, (error as { original?: unknown } | null)?.original].some((candidate) => {
    const { code, message } = (candidate ?? {}) as { code?: unknown; message?: unknown };
    return (typeof code === 'string' && SOCKET_ERROR_CODES.has(code)) || (typeof message === 'string' && CONNECTION_ENDED.test(message));
  });
}

/**
 * 57014 statement timeout, 40001 serialization failure, 40P01 deadlock; 25006 a write on a server that is read-only
 * for now — during a failover, a node still finishing its promotion, or a demoted primary that HAProxy has not yet
 * marked down (its sessions are then shut down, and new ones go to the new primary).
 */
const RETRYABLE_SQLSTATES = new Set(['57014', '40001', '40P01', '25006']);

/** The database is overloaded or briefly unreachable: a retry may succeed; it is no bug. */
export function isTransientDatabaseError(error: unknown): boolean {
  return isConnectionLost(error) || RETRYABLE_SQLSTATES.has(sqlState(error) ?? '');
}
