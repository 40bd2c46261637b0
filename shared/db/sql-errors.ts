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

const CONNECTION_ERROR_NAMES = new Set([
  'SequelizeConnectionError',
  'SequelizeConnectionRefusedError',
  'SequelizeConnectionAcquireTimeoutError',
  'SequelizeConnectionTimedOutError',
  'SequelizeHostNotReachableError',
]);

/** No connection could be had, or the server ended it (57P01: terminated by an administrator). */
export function isConnectionLost(error: unknown): boolean {
  const { name } = (error ?? {}) as { name?: unknown };
  return (typeof name === 'string' && CONNECTION_ERROR_NAMES.has(name)) || sqlState(error) === '57P01';
}

// 57014 statement timeout, 40001 serialization failure, 40P01 deadlock
const RETRYABLE_SQLSTATES = new Set(['57014', '40001', '40P01']);

/** The database is overloaded or briefly unreachable: a retry may succeed; it is no bug. */
export function isTransientDatabaseError(error: unknown): boolean {
  return isConnectionLost(error) || RETRYABLE_SQLSTATES.has(sqlState(error) ?? '');
}
