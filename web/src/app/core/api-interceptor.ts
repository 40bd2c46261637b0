import { type HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { catchError, throwError } from 'rxjs';
import { isApiError, toTypedError } from './api-errors';
import { AppConfig } from './app-config';
import { Session } from './session';

/**
 * Every request to the API: adds the bearer token, and turns error answers
 * into `ApiError`s typed by `code` (or a `NetworkError`). A 401 ends the
 * session and goes back to the sign-in page with the reason.
 */
export const apiInterceptor: HttpInterceptorFn = (request, next) => {
  const config = inject(AppConfig);
  if (!config.isApiUrl(request.url)) return next(request);
  const session = inject(Session);
  const router = inject(Router);
  const token = session.token();
  const sent = token ? request.clone({ setHeaders: { authorization: `Bearer ${token}` } }) : request;
  return next(sent).pipe(
    catchError((error: unknown) => {
      const typed = toTypedError(error, request.url);
      if (isApiError(typed, 'UNAUTHORIZED') && token) {
        session.signOut(`The API refused your token: ${typed.message}. Sign in again with a new one.`);
        void router.navigate(['/sign-in']);
      }
      return throwError(() => typed);
    }),
  );
};
