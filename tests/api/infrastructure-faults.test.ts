import { startTestApp, type TestApp } from '../support/test-app';
import { bearer, tokenFor } from '../support/tokens';

/** The contract: an infrastructure fault is 503 SERVICE_UNAVAILABLE with Retry-After, never a 500. */
describe.each([
  ['PostgreSQL refuses connections', 'postgres://postgres@127.0.0.1:1/checkout'],
  ['the PostgreSQL host does not resolve', 'postgres://postgres@no-such-host.invalid:5432/checkout'],
])('when %s', (_what, url) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ DATABASE_URL: url });
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    ['GET', '/api/products', undefined],
    ['GET', '/api/cart', undefined],
    ['POST', '/api/cart', { product_id: '00000000-0000-4000-8000-000000000001', quantity: 1 }],
    ['POST', '/api/checkout', { contact: 'a@example.com', address: '1 Main Street' }],
    ['GET', '/api/orders/00000000-0000-4000-8000-000000000001', undefined],
  ])('%s %s answers 503 with Retry-After and no internals', async (method, url, payload) => {
    const res = await t.app.inject({ method: method as 'GET' | 'POST', url, headers: bearer(tokenFor('faulty')), payload });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      code: 'SERVICE_UNAVAILABLE',
      message: 'Temporarily unavailable, retry shortly',
    });
  });
});
