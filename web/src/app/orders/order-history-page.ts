import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { type OrderSummary } from '@checkout/client';
import { describeError } from '../core/api-errors';
import { CheckoutApi } from '../core/checkout-api';
import { CANCELLABLE, FAILURE_WORDS } from './order-words';

/** The user's orders, newest first, with "Cancel" on those that may still be cancelled. */
@Component({
  selector: 'app-order-history-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, RouterLink],
  template: `
    <section aria-labelledby="orders-title">
      <h2 id="orders-title">Your orders</h2>
      @if (error()) {
        <p class="error" role="alert">{{ error() }}</p>
      }
      @if (orders(); as orders) {
        @if (orders.length === 0) {
          <p>No orders yet.</p>
        } @else {
          <table class="orders">
            <thead><tr><th>Order</th><th>Placed on</th><th>Status</th><th>Items</th><th>Total</th><th></th></tr></thead>
            <tbody>
              @for (order of orders; track order.order_id) {
                <tr class="order-row" [attr.data-order-id]="order.order_id">
                  <td><a [routerLink]="['/orders', order.order_id]">{{ order.order_id.slice(0, 8) }}</a></td>
                  <td>{{ order.created_at | date: 'medium' }}</td>
                  <td class="order-status">
                    {{ order.status }}
                    @if (order.failure_reason) {
                      <br /><small>{{ failureWords[order.failure_reason] }}</small>
                    }
                  </td>
                  <td>{{ order.items_count ?? '–' }}</td>
                  <td>{{ order.total_price ?? '–' }}</td>
                  <td>
                    @if (cancellable.has(order.status)) {
                      <button type="button" [disabled]="cancelling() === order.order_id" (click)="cancel(order)"
                              [attr.aria-label]="'Cancel order ' + order.order_id.slice(0, 8)">Cancel</button>
                    }
                  </td>
                </tr>
              }
            </tbody>
          </table>
        }
      } @else if (!error()) {
        <p>Loading your orders…</p>
      }
    </section>
  `,
})
export class OrderHistoryPage {
  private readonly api = inject(CheckoutApi);
  protected readonly orders = signal<OrderSummary[] | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly cancelling = signal<string | undefined>(undefined);
  protected readonly cancellable = CANCELLABLE;
  protected readonly failureWords = FAILURE_WORDS;

  constructor() {
    this.api.listOrders().subscribe({
      next: (page) => this.orders.set(page.orders),
      error: (error: unknown) => this.error.set(describeError(error)),
    });
  }

  protected cancel(order: OrderSummary): void {
    this.cancelling.set(order.order_id);
    this.error.set(undefined);
    this.api.cancelOrder(order.order_id).subscribe({
      next: (cancelled) => {
        this.cancelling.set(undefined);
        this.orders.update((orders) => orders?.map((each) => (each.order_id === cancelled.order_id ? { ...each, ...cancelled } : each)));
      },
      error: (error: unknown) => {
        this.cancelling.set(undefined);
        this.error.set(describeError(error));
      },
    });
  }
}
