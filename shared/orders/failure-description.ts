import type { Shortage } from '../domain/shortage';
import type { FailureReason } from '../domain/order-status';

const MEANING: Record<FailureReason, string> = {
  OUT_OF_STOCK: 'not enough stock',
  PRODUCT_UNAVAILABLE: 'a product is no longer sold',
  CART_EMPTY: 'the cart was empty',
  ORDER_TOO_LARGE: 'the total is larger than an order may be',
  PROCESSING_ERROR: 'not placed in time',
  REJECTED: 'rejected by an admin',
};

/**
 * A failure in one line for people (job failures in Bull Board, logs):
 * `OUT_OF_STOCK: not enough stock (<product>: requested 3, available 1)`.
 */
export function describeFailure(
  reason: FailureReason,
  details?: { products?: Shortage[] },
): string {
  const lines = (details?.products ?? []).map((line) => `${line.product_id}: requested ${line.requested}, available ${line.available}`);
  return `${reason}: ${MEANING[reason]}${lines.length > 0 ? ` (${lines.join('; ')})` : ''}`;
}
