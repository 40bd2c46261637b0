import { createHash } from 'node:crypto';

/** How long an Idempotency-Key is remembered: a replay within it answers the same order, after it the key is free. */
export const IDEMPOTENCY_WINDOW_HOURS = 24;

/** What a checkout asks for; an Idempotency-Key replayed with different details is refused. */
export interface CheckoutDetails {
  contact: string;
  address: string;
}

/** The fingerprint a key is remembered with. */
export function hashCheckoutDetails(details: CheckoutDetails): string {
  return createHash('sha256').update(JSON.stringify([details.contact, details.address])).digest('hex');
}
