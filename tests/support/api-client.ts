import type { FastifyInstance } from 'fastify';

/** What a test sends: a bearer token, a JSON body (or a raw one, sent as it is), extra headers. */
export interface RequestOptions {
  /** Sent as `authorization: Bearer <token>`; omitted, the request is anonymous. */
  token?: string;
  /** Serialised as JSON with `content-type: application/json`. */
  body?: unknown;
  /** A body sent byte for byte (malformed JSON, …) as `application/json` unless `headers` name another content-type. */
  raw?: string;
  headers?: Record<string, string>;
}

/** An answer as a test reads it, whichever harness produced it. */
export interface ApiResponse<T = any> {
  status: number;
  /** The parsed JSON body; the text for any other media type; undefined when empty. */
  body: T;
  /** The body exactly as it was sent. */
  text: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
}

/**
 * The one way tests talk to the HTTP API: in-process through `app.inject`
 * (`startTestApp`) or over the network to a child process (`startStack`).
 * Builders (`givenFor`) are written against this, so they serve both.
 */
export interface ApiClient {
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
}

function requestHeaders({ token, body, raw, headers = {} }: RequestOptions): Record<string, string> {
  return {
    ...(token !== undefined && { authorization: `Bearer ${token}` }),
    ...((body !== undefined || raw !== undefined) && { 'content-type': 'application/json' }),
    ...headers,
  };
}

function payloadOf({ body, raw }: RequestOptions): string | undefined {
  return raw ?? (body === undefined ? undefined : JSON.stringify(body));
}

function parseBody(text: string, contentType: string | undefined): any {
  if (text === '') return undefined;
  return /^application\/(.+\+)?json/.test(contentType ?? '') ? JSON.parse(text) : text;
}

/** A client over Fastify's `inject`: no socket, the same app, plugins and schemas. */
export function injectClient(app: FastifyInstance): ApiClient {
  return {
    async request(method, path, options = {}) {
      const payload = payloadOf(options);
      const res = await app.inject({
        method: method as 'GET',
        url: path,
        headers: requestHeaders(options),
        ...(payload !== undefined && { payload }),
      });
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
      }
      return { status: res.statusCode, body: parseBody(res.body, headers['content-type']), text: res.body, headers };
    },
  };
}

/** A client over `fetch` to a running API at `baseUrl`. */
export function fetchClient(baseUrl: string): ApiClient {
  return {
    async request(method, path, options = {}) {
      const response = await fetch(`${baseUrl}${path}`, { method, headers: requestHeaders(options), body: payloadOf(options) });
      const text = await response.text();
      const headers = Object.fromEntries(response.headers);
      return { status: response.status, body: parseBody(text, headers['content-type']), text, headers };
    },
  };
}
