import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { type CartLine } from '@checkout/client';
import { CartStore } from './cart-store';

/** The cart: a quantity field and "Remove" per line, the total as the API priced it. */
@Component({
  selector: 'app-cart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section aria-labelledby="cart-title" class="cart">
      <h2 id="cart-title">Cart</h2>
      @if (store.error()) {
        <p class="error" role="alert">{{ store.error() }}</p>
      }
      @let cart = store.cart();
      @if (cart.items.length === 0) {
        <p class="empty">Your cart is empty.</p>
      } @else {
        <table>
          <thead>
            <tr><th>Product</th><th>Unit price</th><th>Quantity</th><th>Line total</th><th></th></tr>
          </thead>
          <tbody>
            @for (line of cart.items; track line.id) {
              <tr class="line" [attr.data-line]="line.name">
                <td>{{ line.name }}</td>
                <td>{{ line.unit_price }}</td>
                <td>
                  <input type="number" min="1" max="99" [value]="line.quantity" [disabled]="store.busy()"
                         [attr.aria-label]="'Quantity of ' + line.name" (change)="setQuantity(line, $event)" />
                </td>
                <td class="line-total">{{ line.line_total }}</td>
                <td>
                  <button type="button" [disabled]="store.busy()" (click)="store.remove(line.id)"
                          [attr.aria-label]="'Remove ' + line.name">Remove</button>
                </td>
              </tr>
            }
          </tbody>
        </table>
        <p class="cart-total">{{ cart.items_count }} {{ cart.items_count === 1 ? 'item' : 'items' }}, total {{ cart.total_price }}</p>
      }
    </section>
  `,
})
export class CartView {
  protected readonly store = inject(CartStore);

  protected setQuantity(line: CartLine, event: Event): void {
    const input = event.target as HTMLInputElement;
    const quantity = input.valueAsNumber;
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 99) {
      input.value = String(line.quantity);
      this.store.error.set('A quantity is a whole number from 1 to 99; use Remove to take a line out.');
      return;
    }
    if (quantity !== line.quantity) this.store.setQuantity(line.id, quantity);
  }
}
