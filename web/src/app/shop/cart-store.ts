import { Injectable, inject, signal } from '@angular/core';
import { type Cart } from '@checkout/client';
import { type Observable, finalize, tap } from 'rxjs';
import { describeError } from '../core/api-errors';
import { CheckoutApi } from '../core/checkout-api';

const EMPTY_CART: Cart = { items: [], items_count: 0, total_price: '0.00' };

/**
 * The signed-in user's cart as signals. Every change goes to the API and is
 * followed by a fresh read: the server prices the lines, the page never does.
 */
@Injectable({ providedIn: 'root' })
export class CartStore {
  private readonly api = inject(CheckoutApi);
  readonly cart = signal<Cart>(EMPTY_CART);
  readonly busy = signal(false);
  /** The last error, in words, until the next successful change. */
  readonly error = signal<string | undefined>(undefined);

  refresh(): void {
    this.api.getCart().subscribe({ next: (cart) => this.cart.set(cart), error: (error: unknown) => this.error.set(describeError(error)) });
  }

  add(productId: string, quantity = 1): void {
    this.change(this.api.addToCart(productId, quantity));
  }

  setQuantity(lineId: string, quantity: number): void {
    this.change(this.api.updateCartItem(lineId, quantity));
  }

  remove(lineId: string): void {
    this.change(this.api.removeCartItem(lineId));
  }

  private change(request: Observable<unknown>): void {
    this.busy.set(true);
    request
      .pipe(
        tap(() => this.error.set(undefined)),
        finalize(() => {
          this.busy.set(false);
          this.refresh();
        }),
      )
      .subscribe({ error: (error: unknown) => this.error.set(describeError(error)) });
  }
}
