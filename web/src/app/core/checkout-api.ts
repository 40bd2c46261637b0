import { HttpClient, type HttpResponse } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import {
  type Cart,
  type CartLine,
  type CheckoutAccepted,
  type CheckoutRequest,
  type Order,
  type OrderPage,
  type Product,
  type ProductPage,
  newIdempotencyKey,
} from '@checkout/client';
import { EMPTY, type Observable, defer, distinctUntilChanged, expand, map, switchMap, timer } from 'rxjs';
import { retryAfterSeconds, retryTransient } from './api-errors';
import { AppConfig } from './app-config';

/** A long-poll holds its answer this long at most (the API's maximum). */
export const LONG_POLL_SECONDS = 20;
/** Wait this long before asking again when the API did not say (Retry-After). */
const DEFAULT_RETRY_AFTER_SECONDS = 1;

/**
 * The checkout API over Angular's HttpClient, with the request and answer
 * types generated from the OpenAPI document (`@checkout/client`). The
 * interceptor adds the token and types the errors; this service knows the
 * routes and which calls are safe to send again.
 */
@Injectable({ providedIn: 'root' })
export class CheckoutApi {
  private readonly http = inject(HttpClient);
  private readonly config = inject(AppConfig);

  listProducts(limit = 100): Observable<ProductPage> {
    return this.http.get<ProductPage>(this.config.url('/api/products'), { params: { limit } }).pipe(retryTransient());
  }

  getProduct(productId: string): Observable<Product> {
    return this.http.get<Product>(this.config.url(`/api/products/${encodeURIComponent(productId)}`)).pipe(retryTransient());
  }

  getCart(): Observable<Cart> {
    return this.http.get<Cart>(this.config.url('/api/cart')).pipe(retryTransient());
  }

  /** Adds `quantity` of a product (merged into its line when already in the cart). Not repeated: it adds. */
  addToCart(productId: string, quantity = 1): Observable<CartLine> {
    return this.http.post<CartLine>(this.config.url('/api/cart'), { product_id: productId, quantity });
  }

  /** Sets a line's quantity (a set: safe to send again). */
  updateCartItem(lineId: string, quantity: number): Observable<CartLine> {
    return this.http.patch<CartLine>(this.config.url(`/api/cart/${encodeURIComponent(lineId)}`), { quantity }).pipe(retryTransient());
  }

  removeCartItem(lineId: string): Observable<void> {
    return this.http.delete<void>(this.config.url(`/api/cart/${encodeURIComponent(lineId)}`));
  }

  /**
   * One checkout attempt: one Idempotency-Key for it, so when the answer is
   * lost (network, 503, 429) the same request goes again and the API answers
   * with the same order instead of making a second one.
   */
  checkout(details: CheckoutRequest): Observable<CheckoutAccepted & { retryAfterSeconds: number }> {
    return defer(() => {
      const key = newIdempotencyKey();
      return this.http
        .post<CheckoutAccepted>(this.config.url('/api/checkout'), details, { headers: { 'idempotency-key': key }, observe: 'response' })
        .pipe(retryTransient());
    }).pipe(
      map((response) => ({
        ...response.body!,
        retryAfterSeconds: retryAfterSeconds(response.headers.get('retry-after')) ?? DEFAULT_RETRY_AFTER_SECONDS,
      })),
    );
  }

  /** The order now, or with `wait` (≤ 20 s) once it leaves `pending` or the wait ends; with its headers (Retry-After). */
  getOrder(orderId: string, wait?: number): Observable<HttpResponse<Order>> {
    return this.http.get<Order>(this.config.url(`/api/orders/${encodeURIComponent(orderId)}`), {
      params: wait ? { wait } : {},
      observe: 'response',
    });
  }

  /**
   * The order as it changes, as a stream: what it is now, then — while it is
   * `pending` — a long-poll (`?wait=20`) after each Retry-After, until its
   * status is final for the checkout (`placed`, `failed`, `cancelled`, …),
   * where the stream completes. Transient errors are waited out; other
   * errors end the stream. Unsubscribing (the page's `takeUntilDestroyed`)
   * aborts the request in flight.
   */
  watchOrder(orderId: string): Observable<Order> {
    const ask = (wait?: number) => this.getOrder(orderId, wait).pipe(retryTransient(Number.POSITIVE_INFINITY));
    return ask().pipe(
      expand((response) =>
        response.body!.status === 'pending'
          ? timer((retryAfterSeconds(response.headers.get('retry-after')) ?? DEFAULT_RETRY_AFTER_SECONDS) * 1000).pipe(
              switchMap(() => ask(LONG_POLL_SECONDS)),
            )
          : EMPTY,
      ),
      map((response) => response.body!),
      distinctUntilChanged((before, after) => before.status === after.status && before.updated_at === after.updated_at),
    );
  }

  listOrders(limit = 50): Observable<OrderPage> {
    return this.http.get<OrderPage>(this.config.url('/api/orders'), { params: { limit } }).pipe(retryTransient());
  }

  cancelOrder(orderId: string): Observable<Order> {
    return this.http.post<Order>(this.config.url(`/api/orders/${encodeURIComponent(orderId)}/cancel`), null);
  }
}
