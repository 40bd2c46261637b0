import { corsOrigins, DEV_ORIGIN } from '../../api/plugins/cors';
import { givenFor } from '../support/given';
import { newUser } from '../support/actors';
import { useTestApp } from '../support/test-app';

const SPA = 'https://shop.example.com';
/** A comma-separated header value as a list. */
const list = (value: string | undefined) => (value ?? '').split(',').map((item) => item.trim());

/** The contract's "Browser clients (CORS)": an Angular app on another origin runs the whole flow. */
describe('CORS for a single-page app on an allowed origin', () => {
  const t = useTestApp({ CORS_ORIGINS: `${SPA}, https://admin.example.com` });
  const given = givenFor(t.api);

  it.each(['GET', 'POST', 'PATCH', 'DELETE'])('the preflight for %s on a cart line allows it, with the headers the app sends', async (method) => {
    const res = await t.api.request('OPTIONS', '/api/cart/0b6f2c1e-5d4a-4c3b-8a29-1e7f6d5c4b3a', {
      headers: {
        origin: SPA,
        'access-control-request-method': method,
        'access-control-request-headers': 'authorization,content-type,idempotency-key,x-request-id',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(SPA);
    expect(list(res.headers['access-control-allow-methods'])).toEqual(
      expect.arrayContaining(['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS']),
    );
    expect(list(res.headers['access-control-allow-headers'])).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'idempotency-key', 'x-request-id']),
    );
    expect(Number(res.headers['access-control-max-age'])).toBeGreaterThanOrEqual(600);
  });

  it('answers let the app read Location, Retry-After and X-Request-Id', async () => {
    const { user } = await given.userWithCart();
    const res = await t.api.request('POST', '/api/checkout', {
      token: user.token,
      body: { contact: 'spa@example.com', address: '1 Browser Road' },
      headers: { origin: SPA },
    });
    expect(res.status).toBe(202);
    expect(res.headers['access-control-allow-origin']).toBe(SPA);
    expect(list(res.headers['access-control-expose-headers'])).toEqual(
      expect.arrayContaining(['location', 'retry-after', 'x-request-id']),
    );
  });

  it('an error answer carries the CORS headers too, so the app can read its code', async () => {
    const res = await t.api.request('GET', '/api/cart', { headers: { origin: SPA } });
    expect(res.status).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBe(SPA);
  });

  it('an origin that is not listed gets no CORS headers', async () => {
    const preflight = await t.api.request('OPTIONS', '/api/cart', {
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const res = await t.api.request('GET', '/api/products', { headers: { origin: 'https://evil.example.com' } });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('a request without an Origin is answered as usual', async () => {
    const res = await t.api.request('GET', '/api/products', { token: newUser().token });
    expect(res.status).toBe(200);
  });
});

describe('CORS_ORIGINS', () => {
  it.each([
    [{ NODE_ENV: 'development' as const }, [DEV_ORIGIN]],
    [{ NODE_ENV: 'production' as const }, []],
    [{ NODE_ENV: 'test' as const }, []],
    [{ NODE_ENV: 'development' as const, CORS_ORIGINS: 'none' }, []],
    [{ NODE_ENV: 'production' as const, CORS_ORIGINS: 'https://a.example, https://b.example' }, ['https://a.example', 'https://b.example']],
    [{ NODE_ENV: 'production' as const, CORS_ORIGINS: '*' }, '*'],
  ])('%j allows %j', (config, expected) => {
    expect(corsOrigins(config)).toEqual(expected);
  });
});

describe('security headers', () => {
  const t = useTestApp();

  it('every answer says nosniff; authenticated answers are not stored by caches', async () => {
    const publicAnswer = await t.api.request('GET', '/api/products');
    expect(publicAnswer.headers['x-content-type-options']).toBe('nosniff');
    const mine = await t.api.request('GET', '/api/cart', { token: newUser().token });
    expect(mine.headers['x-content-type-options']).toBe('nosniff');
    expect(mine.headers['cache-control']).toBe('no-store');
  });
});
