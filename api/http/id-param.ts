import { isUuid } from '../../shared/domain/ids';
import type { AppError } from '../../shared/errors/error-codes';

/**
 * The `:id` of a resource route in canonical (lower-case) form — the form
 * stored ids and status notifications use. Anything that is not a UUID names
 * nothing: the resource's own 404 (`notFound`).
 */
export function idParam(raw: string, notFound: () => AppError): string {
  const id = raw.toLowerCase();
  if (!isUuid(id)) throw notFound();
  return id;
}
