import { STATUS_CODES } from 'node:http';
import type { ApiResponse } from './api-client';
import type { ProductJson } from './rows';

/** A canonical lower-case UUID. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An ISO-8601 UTC time with milliseconds, as the API writes every timestamp. */
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An error in the contract shape (JSON `{statusCode, error, code, message}`) with the given status and catalogue code. */
export function expectError(res: ApiResponse, statusCode: number, code: string): void {
  expect({ statusCode: res.status, body: res.body }).toEqual({
    statusCode,
    body: expect.objectContaining({ statusCode, error: STATUS_CODES[statusCode], code, message: expect.any(String) }),
  });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
}

/** Milliseconds `work` took, with its result. */
export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

/** The wire shape of a product, exactly: no missing and no extra fields, each of its type. */
export function expectProductShape(product: ProductJson): void {
  expect(Object.keys(product).sort()).toEqual(['active', 'created_at', 'id', 'name', 'price', 'seller_id', 'stock', 'updated_at']);
  expect(product.id).toMatch(UUID);
  expect(typeof product.name).toBe('string');
  expect(product.price).toMatch(/^[0-9]+\.[0-9]{2}$/);
  expect(Number.isInteger(product.stock)).toBe(true);
  expect(product.seller_id === null || typeof product.seller_id === 'string').toBe(true);
  expect(typeof product.active).toBe('boolean');
  for (const timestamp of [product.created_at, product.updated_at]) {
    expect(new Date(timestamp).toISOString()).toBe(timestamp); // ISO-8601, UTC
  }
}
