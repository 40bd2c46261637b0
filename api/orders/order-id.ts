import { isUuid } from '../../shared/domain/ids';
import { orderNotFound } from '../../shared/orders/change-order-status';

/**
 * The `:id` of an order route in canonical (lower-case) form — the form
 * status notifications and stored ids use. Anything that is not a UUID names
 * no order: 404.
 */
export function orderIdParam(raw: string): string {
  const id = raw.toLowerCase();
  if (!isUuid(id)) throw orderNotFound();
  return id;
}
