import type { components } from './api-types';

type Schemas = components['schemas'];
export type Product = Schemas['Product'];
export type ProductPage = Schemas['ProductPage'];
export type Cart = Schemas['Cart'];
export type CartLine = Schemas['CartLine'];
export type CheckoutRequest = Schemas['CheckoutRequest'];
export type CheckoutAccepted = Schemas['CheckoutAccepted'];
export type Order = Schemas['Order'];
export type OrderSummary = Schemas['OrderSummary'];
export type OrderPage = Schemas['OrderPage'];
export type OrderStatus = Schemas['OrderStatus'];
export type FailureReason = Schemas['FailureReason'];
export type FailureDetails = Schemas['FailureDetails'];
export type ErrorBody = Schemas['Error'];
/** Every error code the API answers with (the catalogue's enum). */
export type ErrorCode = ErrorBody['code'];

/** An error answer of the API: branch on `code` (typed), show `message` to people. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** The whole body: some codes add fields (`order_id`, `available`, `current_status`, …). */
    readonly body: ErrorBody & Record<string, unknown>,
    /** Seconds the server asked to wait (429, 503), when it said. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** True when `error` is an API error with that code (a type guard for `catch` blocks). */
export function isApiError<C extends ErrorCode>(error: unknown, code?: C): error is ApiError & { code: C } {
  return error instanceof ApiError && (code === undefined || error.code === code);
}

export interface CheckoutClientOptions {
  /** Where the API is, e.g. `http://localhost:3000` (no trailing slash). */
  baseUrl: string;
  /** The bearer token for the calls that need one (read before every request, so it may change). */
  token?: () => string | undefined;
  /** A fetch of your own (tests, interceptors); the global one by default. */
  fetch?: typeof fetch;
  /** How often a request that failed for an infrastructure reason (network, 503, 429) is sent again. */
  retries?: number;
}

interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Safe to send again when its answer was lost on the network (a read, a set, a keyed checkout). */
  idempotent?: boolean;
}

interface Answer<T> {
  body: T;
  headers: Headers;
}

/** Retry after this many seconds when the server did not say. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;
/** A long-poll holds its answer this long (the API's maximum). */
const LONG_POLL_SECONDS = 20;

/**
 * A typed client of the checkout API: the shapes come from the OpenAPI
 * document (`api-types.ts`, generated), the behaviour a careful client
 * needs is here — retries that are safe (an Idempotency-Key per checkout
 * attempt), Retry-After honoured, long-polls that end on a final status or
 * an abort, and errors typed by `code`.
 */
export class CheckoutClient {
  private readonly fetch: typeof fetch;
  private readonly retries: number;

  constructor(private readonly options: CheckoutClientOptions) {
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.retries = options.retries ?? 3;
  }

  listProducts(query: { limit?: number; cursor?: string } = {}, signal?: AbortSignal): Promise<ProductPage> {
    return this.body({ method: 'GET', path: `/api/products${queryString(query)}`, signal });
  }

  getProduct(productId: string, signal?: AbortSignal): Promise<Product> {
    return this.body({ method: 'GET', path: `/api/products/${encodeURIComponent(productId)}`, signal });
  }

  getCart(signal?: AbortSignal): Promise<Cart> {
    return this.body({ method: 'GET', path: '/api/cart', signal });
  }

  /** Adds `quantity` (default 1) of a product; merges into its line when the product is already in the cart. */
  addToCart(productId: string, quantity?: number, signal?: AbortSignal): Promise<CartLine> {
    return this.body({ method: 'POST', path: '/api/cart', body: { product_id: productId, ...(quantity !== undefined && { quantity }) }, signal });
  }

  updateCartItem(lineId: string, quantity: number, signal?: AbortSignal): Promise<CartLine> {
    return this.body({ method: 'PATCH', path: `/api/cart/${encodeURIComponent(lineId)}`, body: { quantity }, signal });
  }

  async removeCartItem(lineId: string, signal?: AbortSignal): Promise<void> {
    await this.send({ method: 'DELETE', path: `/api/cart/${encodeURIComponent(lineId)}`, signal });
  }

  /**
   * Checks the cart out. Each call is one attempt with a fresh
   * Idempotency-Key; when the answer is lost (network error, 503, 429) the
   * same request is sent again with the same key, so it never makes two
   * orders. Resolves with the 202 body and how long to wait before polling.
   */
  async checkout(
    details: CheckoutRequest,
    { signal, idempotencyKey = newIdempotencyKey() }: { signal?: AbortSignal; idempotencyKey?: string } = {},
  ): Promise<CheckoutAccepted & { retryAfterSeconds: number }> {
    const { body, headers } = await this.send<CheckoutAccepted>({
      method: 'POST',
      path: '/api/checkout',
      body: details,
      headers: { 'idempotency-key': idempotencyKey },
      signal,
      idempotent: true,
    });
    return { ...body, retryAfterSeconds: retryAfterOf(headers) ?? DEFAULT_RETRY_AFTER_SECONDS };
  }

  /** The order now, or — with `wait` seconds (≤ 20) — once it leaves `pending` or the wait ends. */
  getOrder(orderId: string, { wait, signal }: { wait?: number; signal?: AbortSignal } = {}): Promise<Order> {
    const query = wait ? `?wait=${wait}` : '';
    return this.body({ method: 'GET', path: `/api/orders/${encodeURIComponent(orderId)}${query}`, signal });
  }

  /**
   * Long-polls the order until it is no longer pending and resolves with it:
   * waits `Retry-After` (of the checkout, or of the last answer), then asks
   * with `?wait=20`; infrastructure errors are waited out the same way.
   * Rejects with the abort reason when `signal` aborts.
   */
  async waitForOrder(
    orderId: string,
    { signal, initialDelaySeconds = 0 }: { signal?: AbortSignal; initialDelaySeconds?: number } = {},
  ): Promise<Order> {
    await sleep(initialDelaySeconds, signal);
    for (;;) {
      const { body: order, headers } = await this.send<Order>({
        method: 'GET',
        path: `/api/orders/${encodeURIComponent(orderId)}?wait=${LONG_POLL_SECONDS}`,
        signal,
      });
      if (order.status !== 'pending') return order;
      await sleep(retryAfterOf(headers) ?? DEFAULT_RETRY_AFTER_SECONDS, signal);
    }
  }

  listOrders(query: { status?: OrderStatus; limit?: number; cursor?: string } = {}, signal?: AbortSignal): Promise<OrderPage> {
    return this.body({ method: 'GET', path: `/api/orders${queryString(query)}`, signal });
  }

  cancelOrder(orderId: string, signal?: AbortSignal): Promise<Order> {
    return this.body({ method: 'POST', path: `/api/orders/${encodeURIComponent(orderId)}/cancel`, signal });
  }

  private async body<T>(call: Call): Promise<T> {
    return (await this.send<T>(call)).body;
  }

  /**
   * Sends a call. A 503 or 429 (nothing was written) is sent again after
   * Retry-After; a network error only when the call is idempotent (same
   * headers, so the same Idempotency-Key).
   */
  private async send<T>(call: Call): Promise<Answer<T>> {
    const idempotent = call.idempotent ?? (call.method === 'GET' || call.method === 'PATCH');
    for (let attempt = 0; ; attempt += 1) {
      let response: Response;
      try {
        response = await this.fetch(`${this.options.baseUrl}${call.path}`, {
          method: call.method,
          headers: this.headersFor(call),
          body: call.body === undefined ? undefined : JSON.stringify(call.body),
          signal: call.signal,
        });
      } catch (error) {
        if (call.signal?.aborted || !idempotent || attempt >= this.retries) throw error;
        await sleep(DEFAULT_RETRY_AFTER_SECONDS * (attempt + 1), call.signal);
        continue;
      }
      if (response.ok) {
        const text = await response.text();
        return { body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
      }
      const error = await toApiError(response);
      if ((response.status === 503 || response.status === 429) && attempt < this.retries) {
        await sleep(error.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS, call.signal);
        continue;
      }
      throw error;
    }
  }

  private headersFor(call: Call): Record<string, string> {
    const token = this.options.token?.();
    return {
      accept: 'application/json',
      ...(call.body !== undefined && { 'content-type': 'application/json' }),
      ...(token && { authorization: `Bearer ${token}` }),
      ...call.headers,
    };
  }
}

/** A new Idempotency-Key: one per checkout attempt. */
export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

async function toApiError(response: Response): Promise<ApiError> {
  const text = await response.text();
  let body: ErrorBody & Record<string, unknown>;
  try {
    body = JSON.parse(text) as ErrorBody & Record<string, unknown>;
  } catch {
    body = { statusCode: response.status, error: response.statusText, code: 'INTERNAL_ERROR', message: text || response.statusText };
  }
  return new ApiError(response.status, body.code, body.message, body, retryAfterOf(response.headers));
}

function retryAfterOf(headers: Headers): number | undefined {
  const value = Number(headers.get('retry-after'));
  return headers.has('retry-after') && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function queryString(query: Record<string, string | number | undefined>): string {
  const params = Object.entries(query).filter((entry): entry is [string, string | number] => entry[1] !== undefined);
  const pairs = params.map(([key, value]): [string, string] => [key, String(value)]);
  return pairs.length === 0 ? '' : `?${new URLSearchParams(pairs).toString()}`;
}

/** Waits `seconds`; rejects with the abort reason when `signal` aborts first. */
function sleep(seconds: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (seconds <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, seconds * 1000);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
