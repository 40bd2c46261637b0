import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { describeError, isApiError } from '../core/api-errors';
import { CheckoutApi } from '../core/checkout-api';
import { CartStore } from './cart-store';

/** Contact and address, then "Place order": the API answers 202 at once and the status page follows the order. */
@Component({
  selector: 'app-checkout-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, RouterLink],
  template: `
    <section aria-labelledby="checkout-title">
      <h2 id="checkout-title">Checkout</h2>
      <form [formGroup]="form" (ngSubmit)="submit()">
        <label>
          Contact (e-mail or phone)
          <input formControlName="contact" autocomplete="email" />
        </label>
        @if (form.controls.contact.touched && form.controls.contact.invalid) {
          <p class="error">Give a contact of 3 to 200 characters.</p>
        }
        <label>
          Delivery address
          <textarea formControlName="address" rows="3" autocomplete="street-address"></textarea>
        </label>
        @if (form.controls.address.touched && form.controls.address.invalid) {
          <p class="error">Give an address of 5 to 1000 characters.</p>
        }
        <button type="submit" [disabled]="submitting() || cart.cart().items.length === 0">Place order</button>
      </form>
      @if (error()) {
        <p class="error" role="alert">
          {{ error() }}
          @if (pendingOrderId(); as orderId) {
            <a [routerLink]="['/orders', orderId]">Follow that order</a>
          }
        </p>
      }
    </section>
  `,
})
export class CheckoutForm {
  protected readonly cart = inject(CartStore);
  private readonly api = inject(CheckoutApi);
  private readonly router = inject(Router);
  protected readonly submitting = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly pendingOrderId = signal<string | undefined>(undefined);

  protected readonly form = new FormGroup({
    contact: new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.minLength(3), Validators.maxLength(200)] }),
    address: new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.minLength(5), Validators.maxLength(1000)] }),
  });

  protected submit(): void {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    this.submitting.set(true);
    this.error.set(undefined);
    this.pendingOrderId.set(undefined);
    this.api.checkout(this.form.getRawValue()).subscribe({
      next: (accepted) => void this.router.navigate(['/orders', accepted.order_id]),
      error: (error: unknown) => {
        this.submitting.set(false);
        this.error.set(describeError(error));
        if (isApiError(error, 'CHECKOUT_IN_PROGRESS') && typeof error.body['order_id'] === 'string') {
          this.pendingOrderId.set(error.body['order_id']);
        }
      },
    });
  }
}
