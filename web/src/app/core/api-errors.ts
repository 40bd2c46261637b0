import { HttpErrorResponse } from '@angular/common/http';
import { ApiError, type ErrorBody, type ErrorCode, isApiError } from '@checkout/client';
import { type MonoTypeOperatorFunction, retry, throwError, timer } from 'rxjs';

export { ApiError, isApiError };

/** The API could not be reached at all (down, wrong address, CORS refused): no answer to read. */
export class NetworkError extends Error {
  override name = 'NetworkError';
}

/**
 * An HttpClient error as the app sees it: an `ApiError` typed by the
 * catalogue's `code` (the client package's class) when the API answered,
 * a `NetworkError` when nothing came back.
 */
export function toTypedError(error: unknown, url: string): unknown {
  if (!(error instanceof HttpErrorResponse)) return error;
  if (error.status === 0) return new NetworkError(`The API at ${new URL(url).origin} cannot be reached.`);
  const body = isErrorBody(error.error)
    ? error.error
    : { statusCode: error.status, error: error.statusText, code: 'INTERNAL_ERROR' as const, message: String(error.error ?? error.message) };
  return new ApiError(error.status, body.code, body.message, body, retryAfterSeconds(error.headers.get('retry-after')));
}

function isErrorBody(body: unknown): body is ErrorBody & Record<string, unknown> {
  return typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'string';
}

export function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null) return undefined;
  const value = Number(header);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Nothing was written: the API was down or busy (503, 429) or did not answer. */
export function isTransient(error: unknown): boolean {
  return error instanceof NetworkError || (error instanceof ApiError && (error.status === 503 || error.status === 429));
}

/**
 * Sends a request again after a transient error, waiting the Retry-After the
 * API asked for (1 s when it did not say). Only for requests that are safe to
 * repeat: reads, sets, and a checkout with its one Idempotency-Key.
 */
export function retryTransient<T>(count = 3): MonoTypeOperatorFunction<T> {
  return retry({
    count,
    delay: (error: unknown, attempt) =>
      isTransient(error)
        ? timer(((error instanceof ApiError ? error.retryAfterSeconds : undefined) ?? attempt) * 1000)
        : throwError(() => error),
  });
}

const CODE_WORDS: Partial<Record<ErrorCode, string>> = {
  UNAUTHORIZED: 'The API did not accept your sign-in token (missing, expired or signed with another secret).',
  FORBIDDEN: 'Your account may not do this.',
  PRODUCT_NOT_FOUND: 'This product is no longer sold.',
  CART_ITEM_NOT_FOUND: 'This line is no longer in your cart.',
  ORDER_NOT_FOUND: 'There is no such order in your account.',
  CHECKOUT_IN_PROGRESS: 'An order is being placed from your cart right now: the cart is locked until it is placed or fails.',
  INVALID_TRANSITION: 'The order can no longer be changed this way.',
  CART_EMPTY: 'Your cart is empty.',
  CART_LINE_LIMIT: 'A cart line holds at most 99 units.',
  IDEMPOTENCY_KEY_REUSED: 'This checkout attempt was already sent with other details.',
  TOO_MANY_REQUESTS: 'Too many requests: wait a moment and try again.',
  SERVICE_UNAVAILABLE: 'The shop is briefly unavailable: try again in a moment.',
  NOT_READY: 'The shop is starting up: try again in a moment.',
  INTERNAL_ERROR: 'Something went wrong on our side.',
};

/** An error in words for the page: by `code`, with the details some codes carry. */
export function describeError(error: unknown): string {
  if (error instanceof NetworkError) return `${error.message} Is it running, and does it allow this page's origin (CORS_ORIGINS)?`;
  if (isApiError(error, 'OUT_OF_STOCK')) {
    const available = error.body['available'];
    return typeof available === 'number' ? `Not enough stock: only ${available} left.` : 'Not enough stock.';
  }
  if (isApiError(error, 'VALIDATION_ERROR')) return `Please check what you entered: ${error.message}`;
  if (error instanceof ApiError) return CODE_WORDS[error.code] ?? error.message;
  return error instanceof Error ? error.message : String(error);
}
