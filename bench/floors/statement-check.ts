import { randomUUID } from 'node:crypto';
import { addToCart } from '../../shared/cart/cart-service';
import { requestCheckout } from '../../shared/checkout/checkout-service';
import { ConfigSchema } from '../../shared/config/config-schema';
import { createDatabase } from '../../shared/db/database';
import { orderWaiter } from '../../shared/orders/order-waiter';
import { placeOrder } from '../../shared/placement/place-order';
import { CHECKOUT_BODY } from '../harness/fixtures';
import { FLOWS } from './flows';
import { recordQueries } from './record-queries';

/** One hot path: the statements its use case sent, the floor's copy, and whether they are the same SQL. */
export interface StatementCheck {
  flow: keyof typeof FLOWS;
  matches: boolean;
  /** Where they differ: "#<n> service: … / floor: …" (whitespace-normalised, shortened). */
  differences: string[];
}

/**
 * Runs each hot path's use case from shared/ once, in this process, on the
 * bench database, records every statement its pg connection receives, and
 * compares them with the floor's statements (whitespace and the transaction
 * keywords normalised). A difference means a repository changed and
 * bench/floors/statements.ts no longer copies it: the floor figures are then
 * for other SQL than the service's, and the run says so.
 */
export async function checkFloorStatements(databaseUrl: string, productId: string): Promise<StatementCheck[]> {
  const db = createDatabase({ url: databaseUrl, poolMax: 1, applicationName: 'checkout-bench-statement-check' });
  const record = async <T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> => {
    const { result, queries } = await recordQueries(work);
    return { result, statements: queries.map((query) => query.text) };
  };
  try {
    // the connection's own set-up statements belong to no use case
    await db.query('SELECT 1');
    const userId = `bench-statement-check-${randomUUID()}`;
    const maxLines = ConfigSchema.properties.CART_MAX_LINES.default as number;
    const added = await record(() => addToCart(db, userId, productId, 1, { maxLines }));
    const accepted = await record(() =>
      requestCheckout(db, { userId, body: CHECKOUT_BODY, idempotencyKey: randomUUID(), requestId: randomUUID() }),
    );
    const orderId = accepted.result.orderId;
    const placed = await record(() => placeOrder(db, orderId));
    // a poll alone, as the API reads it (concurrent polls are read together: FIND_OWN_ORDERS, which the floor does not do)
    const read = await record(() => orderWaiter(db, { reads: { maxInFlight: 1, maxBatch: 1 }, maxPerUser: 1, maxPerProcess: 1 }).read(orderId, userId));
    return [
      compare('addToCart', added.statements),
      compare('acceptCheckout', accepted.statements),
      compare('placeOrder', placed.statements),
      compare('readOrder', read.statements),
    ];
  } finally {
    await db.close();
  }
}

function normalise(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim().replace(/;$/, '');
  return flat === 'START TRANSACTION' ? 'BEGIN' : flat;
}

function compare(flow: keyof typeof FLOWS, service: string[]): StatementCheck {
  const mine = service.map(normalise);
  const floor = FLOWS[flow].map((step) => normalise(typeof step === 'string' ? step : step.text));
  const differences: string[] = [];
  for (let i = 0; i < Math.max(mine.length, floor.length); i += 1) {
    if (mine[i] !== floor[i]) {
      differences.push(`#${i + 1} service: ${shorten(mine[i])} / floor: ${shorten(floor[i])}`);
    }
  }
  return { flow, matches: differences.length === 0, differences };
}

function shorten(text: string | undefined): string {
  if (text === undefined) return '(none)';
  return text.length > 140 ? `${text.slice(0, 137)}...` : text;
}
