import { ChangeDetectionStrategy, Component, Injector, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Router } from '@angular/router';
import { OidcSecurityService } from 'angular-auth-oidc-client';
import { describeError } from '../core/api-errors';
import { AppConfig } from '../core/app-config';
import { CheckoutApi } from '../core/checkout-api';
import { Session } from '../core/session';

/**
 * DEVELOPMENT SIGN-IN: paste a token minted by `npm run token`. The page
 * checks it with the API (reading the cart) before going to the shop.
 */
@Component({
  selector: 'app-sign-in-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule],
  template: `
    <section aria-labelledby="sign-in-title" class="sign-in">
      @if (config.oidc; as oidc) {
        <h2 id="sign-in-title">Sign in</h2>
        <button type="button" class="provider-sign-in" (click)="signInWithProvider()">Sign in with {{ oidc.name ?? 'your account' }}</button>
      }
      <h2 id="dev-sign-in-title">Development sign-in</h2>
      <p class="dev-warning">
        <strong>For development only.</strong> This demo has no identity provider. Mint a token on your machine
        with <code>npm run token -- --sub alice</code> (it is signed with the API's <code>JWT_SECRET</code>, which never
        reaches the browser) and paste it here. It is kept in this tab's session storage until you sign out.
      </p>
      @if (session.notice()) {
        <p class="error" role="alert">{{ session.notice() }}</p>
      }
      <form (ngSubmit)="signIn()">
        <label>
          Token
          <textarea name="token" rows="4" [(ngModel)]="token" spellcheck="false" autocomplete="off"></textarea>
        </label>
        <button type="submit" [disabled]="checking() || token.trim() === ''">Sign in</button>
      </form>
      @if (error()) {
        <p class="error" role="alert">{{ error() }}</p>
      }
      <p class="api-url">API: {{ config.apiBaseUrl }}</p>
    </section>
  `,
})
export class SignInPage {
  protected readonly session = inject(Session);
  protected readonly config = inject(AppConfig);
  private readonly api = inject(CheckoutApi);
  private readonly router = inject(Router);
  protected token = '';
  protected readonly checking = signal(false);
  protected readonly error = signal<string | undefined>(undefined);

  private readonly injector = inject(Injector);

  /** To the provider's login page; it comes back to /auth/callback with a code (PKCE S256). */
  protected signInWithProvider(): void {
    // looked up only here: without an `oidc` section in config.json, provideAuth is not in the app
    this.injector.get(OidcSecurityService).authorize();
  }

  protected signIn(): void {
    this.error.set(undefined);
    try {
      this.session.signIn(this.token);
    } catch (error) {
      this.error.set((error as Error).message);
      return;
    }
    this.checking.set(true);
    this.api.getCart().subscribe({
      next: () => {
        this.checking.set(false);
        void this.router.navigate(['/shop']);
      },
      error: (error: unknown) => {
        this.checking.set(false);
        // a refused token has already signed the session out (the interceptor); say why here
        this.session.signOut();
        this.error.set(describeError(error));
      },
    });
  }
}
