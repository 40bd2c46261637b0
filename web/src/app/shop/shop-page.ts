import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { CartView } from './cart';
import { CartStore } from './cart-store';
import { Catalogue } from './catalogue';
import { CheckoutForm } from './checkout-form';

/** The shop: catalogue on one side, cart and checkout on the other. */
@Component({
  selector: 'app-shop-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [Catalogue, CartView, CheckoutForm],
  template: `
    <div class="shop">
      <app-catalogue />
      <div>
        <app-cart />
        <app-checkout-form />
      </div>
    </div>
  `,
})
export class ShopPage {
  constructor() {
    inject(CartStore).refresh();
  }
}
