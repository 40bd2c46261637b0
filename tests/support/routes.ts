import type { ApiClient, ApiResponse } from './api-client';
import { ANONYMOUS, type Actor } from './actors';
import type { CartJson, CartLineJson, OrderJson, OrderPage, ProductJson, ProductPage } from './rows';

/** The checkout body the tests send unless a test is about the body. */
export const CHECKOUT_BODY = { contact: 'alice@example.com', address: '1 Test Street, Testville' };

/** A client now, or one the harness will have once `beforeAll` has run. */
export type ClientSource = ApiClient | (() => ApiClient);

export const clientOf = (source: ClientSource): ApiClient => (typeof source === 'function' ? source() : source);

/**
 * The HTTP API by name, over one client: each call sends one request as
 * `who` and returns the answer unchecked, for the test to assert on.
 */
export function routesFor(source: ClientSource) {
  const send = <T>(who: Actor, method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    clientOf(source).request<T>(method, path, { token: who.token, body, headers });

  return {
    createProduct: (who: Actor, body: unknown): Promise<ApiResponse<ProductJson>> => send(who, 'POST', '/api/admin/products', body),
    patchProduct: (who: Actor, id: string, body: unknown): Promise<ApiResponse<ProductJson>> =>
      send(who, 'PATCH', `/api/admin/products/${id}`, body),
    getProduct: (id: string): Promise<ApiResponse<ProductJson>> => send(ANONYMOUS, 'GET', `/api/products/${id}`),
    listProducts: (query = ''): Promise<ApiResponse<ProductPage>> => send(ANONYMOUS, 'GET', `/api/products${query}`),

    addToCart: (who: Actor, body: unknown): Promise<ApiResponse<CartLineJson>> => send(who, 'POST', '/api/cart', body),
    getCart: (who: Actor): Promise<ApiResponse<CartJson>> => send(who, 'GET', '/api/cart'),
    patchLine: (who: Actor, lineId: string, body: unknown): Promise<ApiResponse<CartLineJson>> =>
      send(who, 'PATCH', `/api/cart/${lineId}`, body),
    deleteLine: (who: Actor, lineId: string): Promise<ApiResponse> => send(who, 'DELETE', `/api/cart/${lineId}`),

    /** POST /api/checkout with `body` (the usual one unless given) and extra headers such as `idempotency-key`. */
    checkout: (who: Actor, body: unknown = CHECKOUT_BODY, headers: Record<string, string> = {}): Promise<ApiResponse> =>
      send(who, 'POST', '/api/checkout', body, headers),

    getOrder: (who: Actor, orderId: string, query = ''): Promise<ApiResponse<OrderJson>> => send(who, 'GET', `/api/orders/${orderId}${query}`),
    listOrders: (who: Actor, query = ''): Promise<ApiResponse<OrderPage>> => send(who, 'GET', `/api/orders${query}`),
    cancel: (who: Actor, orderId: string): Promise<ApiResponse<OrderJson>> => send(who, 'POST', `/api/orders/${orderId}/cancel`),

    sellerOrders: (who: Actor, query = ''): Promise<ApiResponse<OrderPage>> => send(who, 'GET', `/api/seller/orders${query}`),
    /** POST /api/seller/orders/:id/ship or /deliver. */
    sellerMove: (who: Actor, orderId: string, action: 'ship' | 'deliver'): Promise<ApiResponse<OrderJson>> =>
      send(who, 'POST', `/api/seller/orders/${orderId}/${action}`),

    adminOrders: (who: Actor, query = ''): Promise<ApiResponse<OrderPage>> => send(who, 'GET', `/api/admin/orders${query}`),
    adminPatchOrder: (who: Actor, orderId: string, body: unknown): Promise<ApiResponse<OrderJson>> =>
      send(who, 'PATCH', `/api/admin/orders/${orderId}`, body),
  };
}

export type Routes = ReturnType<typeof routesFor>;
