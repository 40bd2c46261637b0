/**
 * Money is a decimal string with two places on the wire and NUMERIC(12,2) in
 * PostgreSQL; arithmetic happens on integer cents (bigint), never on floats.
 */

/** A price as clients send it: greater than zero, at most 10 integer digits (NUMERIC(12,2)), at most two places. */
export const PRICE_PATTERN = '^([1-9][0-9]{0,9}(\\.[0-9]{1,2})?|0\\.([1-9][0-9]?|0[1-9]))$';

const AMOUNT_REGEX = /^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/;

/** "19.9" → 1990n. Throws on anything that is not a non-negative decimal with at most two places. */
export function toCents(amount: string): bigint {
  if (!AMOUNT_REGEX.test(amount)) throw new RangeError(`not a money amount: ${amount}`);
  const [units = '0', fraction = ''] = amount.split('.');
  return BigInt(units) * 100n + BigInt(fraction.padEnd(2, '0'));
}

/** 1990n → "19.90". */
export function formatCents(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** Normalises a price to two places ("5" → "5.00"). */
export function normalizeMoney(amount: string): string {
  return formatCents(toCents(amount));
}

/** unit price × quantity, as a money string. */
export function lineTotal(unitPrice: string, quantity: number): string {
  return formatCents(toCents(unitPrice) * BigInt(quantity));
}

/** The sum of money strings. */
export function sumMoney(amounts: Iterable<string>): string {
  let total = 0n;
  for (const amount of amounts) total += toCents(amount);
  return formatCents(total);
}
