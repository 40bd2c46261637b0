import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import {
  type ApplicationConfig,
  inject,
  provideAppInitializer,
  provideBrowserGlobalErrorListeners,
  provideZonelessChangeDetection,
} from '@angular/core';
import { provideRouter, withComponentInputBinding } from '@angular/router';
import { LogLevel, OidcSecurityService, provideAuth } from 'angular-auth-oidc-client';
import { firstValueFrom } from 'rxjs';
import { routes } from './app.routes';
import { apiInterceptor } from './core/api-interceptor';
import { CONFIG_FILE, type ConfigFile } from './core/app-config';
import { Session } from './core/session';

export function appConfigFor(file: ConfigFile): ApplicationConfig {
  const oidc = file.oidc;
  return {
    providers: [
      provideBrowserGlobalErrorListeners(),
      provideZonelessChangeDetection(),
      provideHttpClient(withFetch(), withInterceptors([apiInterceptor])),
      provideRouter(routes, withComponentInputBinding()),
      { provide: CONFIG_FILE, useValue: file },
      ...(oidc
        ? [
            provideAuth({
              config: {
                authority: oidc.authority,
                clientId: oidc.clientId,
                redirectUrl: `${window.location.origin}/auth/callback`,
                postLogoutRedirectUri: `${window.location.origin}/sign-in`,
                scope: oidc.scope ?? 'openid profile',
                responseType: 'code', // authorization code; PKCE (S256) is on unless disablePkce
                // the access token is a JWT for the API (resource indicator), not for /me: user data from the id_token
                autoUserInfo: false,
                ...(oidc.resource && { customParamsAuthRequest: { resource: oidc.resource }, customParamsCodeRequest: { resource: oidc.resource } }),
                postLoginRoute: '/shop',
                unauthorizedRoute: '/sign-in',
                silentRenew: false,
                logLevel: LogLevel.Warn,
              },
            }),
            // handles /auth/callback?code=… (or restores the tokens kept in sessionStorage) before the first route
            provideAppInitializer(async () => {
              const session = inject(Session);
              const result = await firstValueFrom(inject(OidcSecurityService).checkAuth());
              session.fromProvider(result.isAuthenticated ? result.accessToken : undefined, result.errorMessage);
            }),
          ]
        : []),
    ],
  };
}
