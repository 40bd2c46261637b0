import { AppError } from '../errors/error-codes';
import { isUuid } from '../domain/ids';

/** Position after the last row of a page, for keyset pagination over (created_at, id). */
export interface Cursor {
  createdAt: Date;
  id: string;
}

/** One page of a list and the cursor of the next page (null on the last). */
export interface Page<T> {
  page: T[];
  nextCursor: string | null;
}

/** Exactly what `toISOString()` produces for years 0000-9999 (PostgreSQL rejects wider ranges). */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Opaque to clients: base64url of `{"t": ISO time, "id": uuid}`. */
export function encodeCursor({ createdAt, id }: Cursor): string {
  return Buffer.from(JSON.stringify({ t: createdAt.toISOString(), id })).toString('base64url');
}

/** Throws a 400 VALIDATION_ERROR for anything this service did not produce. */
export function decodeCursor(cursor: string): Cursor {
  try {
    const { t, id } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { t?: unknown; id?: unknown };
    const createdAt = new Date(typeof t === 'string' && ISO_UTC.test(t) ? t : Number.NaN);
    if (typeof id === 'string' && isUuid(id) && !Number.isNaN(createdAt.getTime())) return { createdAt, id };
  } catch {
    // fall through: not base64url JSON
  }
  throw new AppError('VALIDATION_ERROR', 'querystring/cursor is not a valid cursor');
}

/** Splits a `limit + 1` fetch into the page and the cursor of the next one. */
export function paginate<T extends Cursor>(rows: T[], limit: number): Page<T> {
  if (rows.length <= limit) return { page: rows, nextCursor: null };
  const page = rows.slice(0, limit);
  return { page, nextCursor: encodeCursor(page[page.length - 1]!) };
}
