import { ChangeDetectionStrategy, Component, Injector, inject } from '@angular/core';
import { OidcSecurityService } from 'angular-auth-oidc-client';
import { Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { Session } from './core/session';

/** The shell: who is signed in (with the development-token warning), the navigation, the page. */
@Component({
  selector: 'app-root',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterOutlet, RouterLink, RouterLinkActive],
  template: `
    <header>
      <h1>Checkout demo</h1>
      @if (session.claims(); as claims) {
        <nav>
          <a routerLink="/shop" routerLinkActive="active">Shop</a>
          <a routerLink="/orders" routerLinkActive="active" [routerLinkActiveOptions]="{ exact: true }">Orders</a>
        </nav>
        <p class="who">
          Signed in as <strong data-testid="user">{{ claims.sub }}</strong>
          @if (!session.viaProvider()) {
            <span class="dev-badge" title="Signed in with a development token from npm run token">development sign-in</span>
          }
          <button type="button" (click)="signOut()">Sign out</button>
        </p>
      }
    </header>
    <main>
      <router-outlet />
    </main>
  `,
})
export class App {
  protected readonly session = inject(Session);
  private readonly router = inject(Router);
  private readonly injector = inject(Injector);

  protected signOut(): void {
    // the provider's tokens are kept by the library too (sessionStorage): forget them, or a reload signs back in
    if (this.session.viaProvider()) this.injector.get(OidcSecurityService).logoffLocal();
    this.session.signOut();
    void this.router.navigate(['/sign-in']);
  }
}
