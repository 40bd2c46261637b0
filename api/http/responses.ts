import { Type } from '@sinclair/typebox';
import { ErrorSchema } from './common-schemas';

/** What each error status means in this API (the code in the body says exactly which case). */
const STANDARD = {
  400: 'VALIDATION_ERROR: a body, query, header or URL that fails its schema (also malformed JSON)',
  401: 'UNAUTHORIZED: missing, malformed, expired or badly signed bearer token',
  403: 'FORBIDDEN: valid token, wrong role',
  404: 'Not found (or not yours: answered exactly the same)',
  409: 'Conflict with the current state',
  413: 'PAYLOAD_TOO_LARGE: the body is larger than the API accepts',
  415: 'UNSUPPORTED_MEDIA_TYPE: the body is not application/json',
  422: 'The request is well-formed but cannot be processed',
  428: 'PRECONDITION_REQUIRED: the change needs a precondition',
  429: 'TOO_MANY_REQUESTS: a rate limit was hit; wait Retry-After seconds',
  500: 'INTERNAL_ERROR: a bug (logged with the request id); no internals in the body',
  503: 'SERVICE_UNAVAILABLE: PostgreSQL or Redis is briefly unavailable; nothing was written; retry after Retry-After',
} as const;

export type ErrorStatus = keyof typeof STANDARD;

const RETRY_AFTER = { 'Retry-After': { type: 'integer', description: 'Seconds to wait before trying again' } };
const RATE_LIMIT_HEADERS = {
  ...RETRY_AFTER,
  'RateLimit-Limit': { type: 'integer', description: 'Requests allowed in the window' },
  'RateLimit-Remaining': { type: 'integer', description: 'Requests left in the window' },
  'RateLimit-Reset': { type: 'integer', description: 'Seconds until the window resets' },
};

/**
 * The error answers of a route, each the `Error` schema with a description:
 * `true` takes the standard meaning, a string says what it means for this route.
 */
export function errorResponses(statuses: Partial<Record<ErrorStatus, true | string>>) {
  return Object.fromEntries(
    Object.entries(statuses).map(([status, meaning]) => [
      status,
      Type.Ref(ErrorSchema, {
        description: meaning === true ? STANDARD[Number(status) as ErrorStatus] : meaning,
        ...(status === '503' && { headers: RETRY_AFTER }),
        ...(status === '429' && { headers: RATE_LIMIT_HEADERS }),
      }),
    ]),
  );
}

/** Every route that reads or writes data can answer these. */
export const INFRASTRUCTURE = { 500: true, 503: true } as const;
/** Every route behind a bearer token (all are rate-limited per user; failed tokens per address). */
export const AUTHENTICATED = { ...INFRASTRUCTURE, 401: true, 429: true } as const;
/** Every route that takes a JSON body. */
export const WITH_BODY = { 400: true, 413: true, 415: true } as const;
