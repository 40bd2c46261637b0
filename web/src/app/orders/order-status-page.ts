import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { takeUntilDestroyed, toObservable } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { type Order } from '@checkout/client';
import { catchError, filter, forkJoin, map, of, switchMap } from 'rxjs';
import { describeError } from '../core/api-errors';
import { CheckoutApi } from '../core/checkout-api';
import { CANCELLABLE, FAILURE_WORDS, STATUS_WORDS, failedLineWords } from './order-words';

/**
 * One order, live: `pending` until the worker places it (or fails it), read
 * with the long-poll stream of `CheckoutApi.watchOrder`. Leaving the page
 * destroys the component, and `takeUntilDestroyed` ends the stream and
 * aborts the long-poll in flight.
 */
@Component({
  selector: 'app-order-status-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, RouterLink],
  template: `
    <section aria-labelledby="order-title" class="order">
      <h2 id="order-title">Order {{ id().slice(0, 8) }}</h2>
      @if (error()) {
        <p class="error" role="alert">{{ error() }}</p>
      }
      @if (order(); as order) {
        <p class="status" [attr.data-status]="order.status" aria-live="polite">
          Status: <strong data-testid="order-status">{{ order.status }}</strong>
          @if (order.status === 'pending') {
            <span class="spinner" aria-hidden="true"></span>
          }
        </p>
        <p class="status-words">{{ statusWords[order.status] }}</p>
        @if (order.failure_reason) {
          <div class="failure" role="alert">
            <p data-testid="failure-reason">{{ failureWords[order.failure_reason] }}</p>
            @if (failedLines().length > 0) {
              <ul data-testid="failure-details">
                @for (line of failedLines(); track line) {
                  <li>{{ line }}</li>
                }
              </ul>
              <p>Your cart is unchanged: <a routerLink="/shop">change the quantities</a> and check out again.</p>
            }
          </div>
        }
        @if (order.items.length > 0) {
          <table>
            <thead><tr><th>Product</th><th>Unit price</th><th>Quantity</th><th>Line total</th></tr></thead>
            <tbody>
              @for (item of order.items; track item.product_id) {
                <tr><td>{{ item.name }}</td><td>{{ item.unit_price }}</td><td>{{ item.quantity }}</td><td>{{ item.line_total }}</td></tr>
              }
            </tbody>
          </table>
          <p class="order-total">{{ order.items_count }} {{ order.items_count === 1 ? 'item' : 'items' }}, total {{ order.total_price }}</p>
        }
        <p>Deliver to {{ order.address }} (contact: {{ order.contact }})</p>
        <ol class="history">
          @for (entry of order.status_history; track $index) {
            <li>{{ entry.status }} at {{ entry.at | date: 'medium' }}</li>
          }
        </ol>
        @if (cancellable()) {
          <button type="button" [disabled]="cancelling()" (click)="cancel(order)">Cancel order</button>
        }
      } @else if (!error()) {
        <p>Loading the order…</p>
      }
      <p><a routerLink="/orders">All orders</a> · <a routerLink="/shop">Back to the shop</a></p>
    </section>
  `,
})
export class OrderStatusPage {
  /** The route's `:id` (router input binding). */
  readonly id = input.required<string>();

  private readonly api = inject(CheckoutApi);
  protected readonly order = signal<Order | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly cancelling = signal(false);
  private readonly productNames = signal<ReadonlyMap<string, string>>(new Map());
  protected readonly statusWords = STATUS_WORDS;
  protected readonly failureWords = FAILURE_WORDS;

  protected readonly cancellable = computed(() => {
    const order = this.order();
    return order !== undefined && CANCELLABLE.has(order.status);
  });
  protected readonly failedLines = computed(() =>
    (this.order()?.failure_details?.products ?? []).map((line) => failedLineWords(line, this.productNames().get(line.product_id))),
  );

  constructor() {
    const order$ = toObservable(this.id).pipe(switchMap((id) => this.api.watchOrder(id)));
    order$.pipe(takeUntilDestroyed()).subscribe({
      next: (order) => {
        this.error.set(undefined);
        this.order.set(order);
      },
      error: (error: unknown) => this.error.set(describeError(error)),
    });
    // a failed order names its products by id: look their names up for the sentence
    toObservable(this.order)
      .pipe(
        map((order) => order?.failure_details?.products?.map((line) => line.product_id) ?? []),
        filter((ids) => ids.length > 0),
        switchMap((ids) =>
          forkJoin(ids.map((id) => this.api.getProduct(id).pipe(map((product) => [id, product.name] as const), catchError(() => of(undefined))))),
        ),
        takeUntilDestroyed(),
      )
      .subscribe((pairs) => this.productNames.set(new Map(pairs.filter((pair) => pair !== undefined))));
  }

  protected cancel(order: Order): void {
    this.cancelling.set(true);
    this.api.cancelOrder(order.order_id).subscribe({
      next: (cancelled) => {
        this.cancelling.set(false);
        this.order.set(cancelled);
      },
      error: (error: unknown) => {
        this.cancelling.set(false);
        this.error.set(describeError(error));
      },
    });
  }
}
