import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { type Product } from '@checkout/client';
import { describeError } from '../core/api-errors';
import { CheckoutApi } from '../core/checkout-api';
import { CartStore } from './cart-store';

/** The products on sale, each with "Add to cart". */
@Component({
  selector: 'app-catalogue',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section aria-labelledby="catalogue-title">
      <h2 id="catalogue-title">Catalogue</h2>
      @if (error()) {
        <p class="error" role="alert">{{ error() }}</p>
      }
      @if (products(); as products) {
        <ul class="products">
          @for (product of products; track product.id) {
            <li class="product" [attr.data-product]="product.name">
              <span class="name">{{ product.name }}</span>
              <span class="price">{{ product.price }}</span>
              <span class="stock">{{ product.stock === 0 ? 'Out of stock' : product.stock + ' in stock' }}</span>
              <button type="button" [disabled]="product.stock === 0 || cart.busy()" (click)="cart.add(product.id)"
                      [attr.aria-label]="'Add ' + product.name + ' to cart'">
                Add to cart
              </button>
            </li>
          } @empty {
            <li>No products yet: run <code>npm run seed</code>.</li>
          }
        </ul>
      } @else if (!error()) {
        <p>Loading the catalogue…</p>
      }
    </section>
  `,
})
export class Catalogue {
  protected readonly cart = inject(CartStore);
  protected readonly products = signal<Product[] | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);

  constructor() {
    inject(CheckoutApi)
      .listProducts()
      .subscribe({
        next: (page) => this.products.set(page.products.filter((product) => product.active)),
        error: (error: unknown) => this.error.set(describeError(error)),
      });
  }
}
