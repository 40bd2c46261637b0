/**
 * The one catalogue of machine-readable error codes and their HTTP status.
 * `code` values are part of the public contract: never rename one.
 */
export const ERROR_CODES = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PRODUCT_NOT_FOUND: 404,
  CART_ITEM_NOT_FOUND: 404,
  ORDER_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  OUT_OF_STOCK: 409,
  STOCK_CHANGED: 409,
  CHECKOUT_IN_PROGRESS: 409,
  INVALID_TRANSITION: 409,
  PAYLOAD_TOO_LARGE: 413,
  PRECONDITION_REQUIRED: 428,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CART_EMPTY: 422,
  CART_LINE_LIMIT: 422,
  CART_TOO_LARGE: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_ERROR: 500,
  NOT_READY: 503,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An expected outcome that the client can act on: becomes `{statusCode, error, code, message}`. */
export class AppError extends Error {
  override name = 'AppError';
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra machine-readable fields merged into the response body (e.g. `order_id`). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.statusCode = ERROR_CODES[code];
  }
}
