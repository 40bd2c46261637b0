import { Injectable, computed, signal } from '@angular/core';

const STORAGE_KEY = 'checkout-demo.dev-token';

/** What the page shows about a token: read from its payload, not verified (only the API verifies it). */
export interface TokenClaims {
  sub: string;
  role: string;
  expiresAt?: Date;
}

/**
 * Who is signed in: the token the interceptor sends. Two ways in: the shop's
 * OpenID provider when config.json names one (authorization code + PKCE by
 * angular-auth-oidc-client, which hands its access token to `fromProvider`),
 * or the DEVELOPMENT SIGN-IN: the person pastes a JWT minted on their machine
 * by `npm run token -- --sub alice` (the signing secret never reaches the
 * browser), kept in sessionStorage for this tab only.
 */
@Injectable({ providedIn: 'root' })
export class Session {
  private readonly tokenSignal = signal<string | undefined>(sessionStorage.getItem(STORAGE_KEY) ?? undefined);
  /** Why the last session ended, when the API ended it (shown on the sign-in page). */
  readonly notice = signal<string | undefined>(undefined);

  readonly token = this.tokenSignal.asReadonly();
  readonly claims = computed(() => {
    const token = this.tokenSignal();
    return token ? readClaims(token) : undefined;
  });
  readonly signedIn = computed(() => this.claims() !== undefined);

  /** Keeps `token` for this tab; throws with a reason in words when it cannot be a JWT of this API. */
  signIn(token: string): TokenClaims {
    const trimmed = token.trim();
    const claims = readClaims(trimmed);
    if (!claims) throw new Error('This is not a token of the checkout API: expected three dot-separated parts with a "sub" claim.');
    if (claims.expiresAt && claims.expiresAt.getTime() <= Date.now()) {
      throw new Error(`This token expired at ${claims.expiresAt.toLocaleString()}: mint a new one.`);
    }
    sessionStorage.setItem(STORAGE_KEY, trimmed);
    this.tokenSignal.set(trimmed);
    this.notice.set(undefined);
    return claims;
  }

  /** Signed in with the OpenID provider (its access token, from OidcSecurityService.checkAuth). */
  readonly viaProvider = signal(false);
  fromProvider(accessToken: string | undefined, error?: string): void {
    this.viaProvider.set(accessToken !== undefined);
    this.tokenSignal.set(accessToken);
    if (error) this.notice.set(error);
  }

  signOut(notice?: string): void {
    this.viaProvider.set(false);
    sessionStorage.removeItem(STORAGE_KEY);
    this.tokenSignal.set(undefined);
    this.notice.set(notice);
  }
}

function readClaims(token: string): TokenClaims | undefined {
  const payload = token.split('.');
  if (payload.length !== 3 || !payload[1]) return undefined;
  try {
    const base64 = payload[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='))) as Record<string, unknown>;
    if (typeof claims['sub'] !== 'string' || claims['sub'] === '') return undefined;
    return {
      sub: claims['sub'],
      role: typeof claims['role'] === 'string' ? claims['role'] : 'customer',
      expiresAt: typeof claims['exp'] === 'number' ? new Date(claims['exp'] * 1000) : undefined,
    };
  } catch {
    return undefined;
  }
}
