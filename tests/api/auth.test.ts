import { createHmac } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { startTestApp, type TestApp } from '../support/test-app';
import { bearer, mintToken, TEST_JWT_SECRET, tokenFor } from '../support/tokens';

const now = () => Math.floor(Date.now() / 1000);
const inAnHour = () => now() + 3600;

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token signed with HMAC-SHA512 under the right secret, announcing HS512 (a well-formed token of a non-pinned algorithm). */
function hs512Token(claims: Record<string, unknown>): string {
  const signingInput = `${encode({ alg: 'HS512', typ: 'JWT' })}.${encode(claims)}`;
  return `${signingInput}.${createHmac('sha512', TEST_JWT_SECRET).update(signingInput).digest('base64url')}`;
}

const validProduct = { name: 'Lamp', price: '19.99', stock: 3 };

/** Strings jsonwebtoken and the verifier use to explain a rejection: logged, never sent. */
const TOKEN_INTERNALS = [
  'jwt',
  'signature',
  'algorithm',
  'audience',
  'issuer',
  'exp ',
  'sub ',
  'role',
  'payload',
  'HS256',
];

function expectUnauthorized(res: LightMyRequestResponse, token?: string): void {
  expect(res.statusCode).toBe(401);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  const body = res.json();
  expect(body).toEqual({ statusCode: 401, error: 'Unauthorized', code: 'UNAUTHORIZED', message: expect.any(String) });
  for (const internal of TOKEN_INTERNALS) expect(body.message.toLowerCase()).not.toContain(internal.toLowerCase());
  if (token) {
    expect(res.body).not.toContain(token);
    // neither the claims nor the signature part of the token is echoed
    for (const part of token.split('.').filter((p) => p.length > 8)) expect(res.body).not.toContain(part);
  }
}

describe('authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const getCart = (headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url: '/api/cart', headers });
  const getCartWith = (token: string) => getCart(bearer(token));
  const createProduct = (headers: Record<string, string>, payload: unknown = validProduct) =>
    t.app.inject({ method: 'POST', url: '/api/admin/products', headers, payload: payload as object });

  describe('rejected credentials: 401 UNAUTHORIZED in the contract shape with a www-authenticate header', () => {
    it('a request without an Authorization header is 401', async () => {
      expectUnauthorized(await getCart());
    });

    it('an admin route without an Authorization header is 401', async () => {
      expectUnauthorized(await createProduct({}));
    });

    it('an empty Authorization header is 401', async () => {
      expectUnauthorized(await getCart({ authorization: '' }));
    });

    it('"Bearer" with no token is 401', async () => {
      expectUnauthorized(await getCart({ authorization: 'Bearer' }));
      expectUnauthorized(await getCart({ authorization: 'Bearer   ' }));
    });

    it('a valid token under a non-Bearer scheme (Basic, Token, bare) is 401', async () => {
      const token = tokenFor('u1');
      expectUnauthorized(await getCart({ authorization: `Basic ${token}` }), token);
      expectUnauthorized(await getCart({ authorization: `Token ${token}` }), token);
      expectUnauthorized(await getCart({ authorization: token }), token);
    });

    it('Basic credentials are 401', async () => {
      expectUnauthorized(await getCart({ authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }));
    });

    it.each([
      ['a single word', 'not-a-jwt'],
      ['three garbage parts', 'aaa.bbb.ccc'],
      ['two parts', `${encode({ alg: 'HS256' })}.${encode({ sub: 'u1' })}`],
      ['four parts', `${tokenFor('u1')}.extra`],
      ['a header that is not JSON', `${Buffer.from('nope').toString('base64url')}.${encode({ sub: 'u1' })}.sig`],
    ])('a malformed token (%s) is 401', async (_case, token) => {
      expectUnauthorized(await getCartWith(token), token);
    });

    it('a token whose claims are not a JSON object is 401', async () => {
      const signingInput = `${encode({ alg: 'HS256', typ: 'JWT' })}.${Buffer.from('"just a string"').toString('base64url')}`;
      const token = `${signingInput}.${createHmac('sha256', TEST_JWT_SECRET).update(signingInput).digest('base64url')}`;
      expectUnauthorized(await getCartWith(token), token);
    });

    it('a token with characters outside the token alphabet is 401', async () => {
      expectUnauthorized(await getCart({ authorization: `Bearer ${tokenFor('u1')} trailing` }));
      expectUnauthorized(await getCart({ authorization: 'Bearer ab$cd.ef.gh' }));
    });

    it('a token signed with another secret is 401', async () => {
      const token = mintToken({ sub: 'u1', exp: inAnHour() }, { secret: 'another-secret-that-is-at-least-32-bytes' });
      expectUnauthorized(await getCartWith(token), token);
    });

    it('a token whose claims were altered after signing is 401', async () => {
      const [header, , signature] = tokenFor('u1', 'customer').split('.');
      const token = `${header}.${encode({ sub: 'u1', role: 'admin', exp: inAnHour() })}.${signature}`;
      expectUnauthorized(await createProduct(bearer(token)), token);
    });

    it('an expired token is 401', async () => {
      const token = mintToken({ sub: 'u1', iat: now() - 7200, exp: now() - 60 });
      expectUnauthorized(await getCartWith(token), token);
    });

    it('a token not yet valid (nbf in the future) is 401', async () => {
      const token = mintToken({ sub: 'u1', exp: inAnHour(), nbf: now() + 600 });
      expectUnauthorized(await getCartWith(token), token);
    });

    it('a token without exp is 401 (exp is required)', async () => {
      const token = mintToken({ sub: 'u1', iat: now() });
      expectUnauthorized(await getCartWith(token), token);
    });

    it('a token whose exp is not a number is 401', async () => {
      const token = mintToken({ sub: 'u1', exp: String(inAnHour()) });
      expectUnauthorized(await getCartWith(token), token);
    });

    it('an alg "none" token (unsigned) is 401', async () => {
      const token = mintToken({ sub: 'u1', role: 'admin', exp: inAnHour() }, { header: { alg: 'none', typ: 'JWT' } });
      expect(token.endsWith('.')).toBe(true);
      expectUnauthorized(await getCartWith(token), token);
      expectUnauthorized(await createProduct(bearer(token)), token);
    });

    it('an alg "none" token that still carries a valid HS256 signature is 401', async () => {
      const signingInput = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: 'u1', exp: inAnHour() })}`;
      const token = `${signingInput}.${createHmac('sha256', TEST_JWT_SECRET).update(signingInput).digest('base64url')}`;
      expectUnauthorized(await getCartWith(token), token);
    });

    it('algorithm pinning: a correctly signed HS512 token is 401', async () => {
      const token = hs512Token({ sub: 'u1', exp: inAnHour() });
      expectUnauthorized(await getCartWith(token), token);
    });

    it('algorithm pinning: an HS256 signature under an HS512 header is 401', async () => {
      const token = mintToken({ sub: 'u1', exp: inAnHour() }, { header: { alg: 'HS512', typ: 'JWT' } });
      expectUnauthorized(await getCartWith(token), token);
    });

    it('algorithm pinning: an RS256 header (RS/HS confusion) is 401', async () => {
      const token = mintToken({ sub: 'u1', role: 'admin', exp: inAnHour() }, { header: { alg: 'RS256', typ: 'JWT' } });
      expectUnauthorized(await getCartWith(token), token);
      expectUnauthorized(await createProduct(bearer(token)), token);
    });

    it.each([
      ['missing', {}],
      ['empty', { sub: '' }],
      ['a number', { sub: 42 }],
      ['null', { sub: null }],
      ['longer than 255 characters', { sub: 'u'.repeat(256) }],
    ])('a token whose sub is %s is 401', async (_case, subject) => {
      const token = mintToken({ ...subject, exp: inAnHour() });
      expectUnauthorized(await getCartWith(token), token);
    });

    it.each([['superuser'], ['Admin'], [''], [7]])('a token with the unknown role %p is 401', async (role) => {
      const token = mintToken({ sub: 'u1', role, exp: inAnHour() });
      expectUnauthorized(await getCartWith(token), token);
      expectUnauthorized(await createProduct(bearer(token)), token);
    });

    it('every invalid token gets the same message: the reason is never disclosed', async () => {
      const tokens = [
        'garbage',
        mintToken({ sub: 'u1', exp: inAnHour() }, { secret: 'another-secret-that-is-at-least-32-bytes' }),
        mintToken({ sub: 'u1', exp: now() - 60 }),
        mintToken({ sub: 'u1' }),
        mintToken({ sub: 'u1', exp: inAnHour() }, { header: { alg: 'none' } }),
        hs512Token({ sub: 'u1', exp: inAnHour() }),
        mintToken({ exp: inAnHour() }),
        mintToken({ sub: 'u1', role: 'root', exp: inAnHour() }),
      ];
      const messages = new Set<string>();
      for (const token of tokens) {
        const res = await getCartWith(token);
        expectUnauthorized(res, token);
        messages.add(res.json().message);
      }
      expect(messages.size).toBe(1);
    });
  });

  describe('accepted credentials', () => {
    it('a valid customer token reaches a protected route (200)', async () => {
      const res = await getCartWith(tokenFor('customer-1', 'customer'));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ items: [], items_count: 0, total_price: '0.00' });
      expect(res.headers['www-authenticate']).toBeUndefined();
    });

    it('the scheme name is case-insensitive ("bearer")', async () => {
      const res = await getCart({ authorization: `bearer ${tokenFor('customer-1')}` });
      expect(res.statusCode).toBe(200);
    });

    it('a token without a role is a customer: allowed on the cart, 403 on an admin route', async () => {
      const token = tokenFor('no-role-user');
      expect((await getCartWith(token)).statusCode).toBe(200);
      const res = await createProduct(bearer(token));
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        code: 'FORBIDDEN',
        message: expect.stringContaining('admin'),
      });
    });

    it('a token with an iss or aud is accepted when the service enforces neither', async () => {
      const token = tokenFor('u1', 'customer', { iss: 'anyone', aud: 'anything' });
      expect((await getCartWith(token)).statusCode).toBe(200);
    });

    it('the caller is the token subject: two users see their own carts', async () => {
      const [product] = await t.sql<{ id: string }>(
        "INSERT INTO products (name, price, stock) VALUES ('Cup', '4.00', 10) RETURNING id",
      );
      const add = await t.app.inject({
        method: 'POST',
        url: '/api/cart',
        headers: bearer(tokenFor('alice')),
        payload: { product_id: product!.id },
      });
      expect(add.statusCode).toBe(201);
      expect((await getCartWith(tokenFor('alice'))).json().items_count).toBe(1);
      expect((await getCartWith(tokenFor('bob'))).json().items_count).toBe(0);
    });
  });

  describe('roles on admin routes', () => {
    it('a customer on an admin route is 403 FORBIDDEN and nothing is created', async () => {
      const before = await t.sql<{ count: string }>('SELECT count(*) FROM products');
      const res = await createProduct(bearer(tokenFor('c1', 'customer')));
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ statusCode: 403, error: 'Forbidden', code: 'FORBIDDEN' });
      expect(await t.sql('SELECT count(*) FROM products')).toEqual(before);
    });

    it('a seller on an admin route is 403 FORBIDDEN', async () => {
      const res = await createProduct(bearer(tokenFor('seller-1', 'seller')));
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'FORBIDDEN' });
    });

    it('a seller on the admin PATCH route is 403 FORBIDDEN', async () => {
      const res = await t.app.inject({
        method: 'PATCH',
        url: '/api/admin/products/00000000-0000-4000-8000-000000000000',
        headers: bearer(tokenFor('seller-1', 'seller')),
        payload: { stock: 1 },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'FORBIDDEN' });
    });

    it('an admin is allowed on an admin route (201)', async () => {
      const res = await createProduct(bearer(tokenFor('admin-1', 'admin')));
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ name: 'Lamp', price: '19.99', stock: 3 });
    });

    it('an admin may also use customer routes', async () => {
      expect((await getCartWith(tokenFor('admin-1', 'admin'))).statusCode).toBe(200);
    });
  });

  describe('authentication comes before body handling', () => {
    it('a bad body without a token is 401, not 400', async () => {
      expectUnauthorized(await createProduct({}, { price: 5, unknown: true }));
    });

    it('malformed JSON without a token is 401, not 400', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/admin/products',
        headers: { 'content-type': 'application/json' },
        payload: '{"name": ',
      });
      expectUnauthorized(res);
    });

    it('a bad body with an expired token is 401, not 400', async () => {
      const token = mintToken({ sub: 'a1', role: 'admin', exp: now() - 60 });
      expectUnauthorized(await createProduct(bearer(token), { price: 'abc' }), token);
    });

    it('a bad body from a customer is 403, not 400: the role is checked before the body', async () => {
      const res = await createProduct(bearer(tokenFor('c1')), { price: 'abc' });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'FORBIDDEN' });
    });

    it('a bad body on the cart without a token is 401, not 400', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/api/cart', payload: { product_id: 'x', quantity: 'lots' } });
      expectUnauthorized(res);
    });
  });
});

describe('authentication with JWT_ISSUER and JWT_AUDIENCE set', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ JWT_ISSUER: 'iss1', JWT_AUDIENCE: 'aud1' });
  });
  afterAll(() => t.close());

  const getCartWith = (token: string) => t.app.inject({ method: 'GET', url: '/api/cart', headers: bearer(token) });

  it('a token with the configured iss and aud is accepted (200)', async () => {
    const res = await getCartWith(tokenFor('u1', 'customer', { iss: 'iss1', aud: 'aud1' }));
    expect(res.statusCode).toBe(200);
  });

  it('an aud array that contains the configured audience is accepted (RFC 7519)', async () => {
    const res = await getCartWith(tokenFor('u1', 'customer', { iss: 'iss1', aud: ['other', 'aud1'] }));
    expect(res.statusCode).toBe(200);
  });

  it('an admin token with the configured iss and aud may use admin routes', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/admin/products',
      headers: bearer(tokenFor('a1', 'admin', { iss: 'iss1', aud: 'aud1' })),
      payload: validProduct,
    });
    expect(res.statusCode).toBe(201);
  });

  it.each([
    ['a wrong iss', { iss: 'iss2', aud: 'aud1' }],
    ['a missing iss', { aud: 'aud1' }],
    ['a wrong aud', { iss: 'iss1', aud: 'aud2' }],
    ['a missing aud', { iss: 'iss1' }],
    ['neither iss nor aud', {}],
    ['iss and aud swapped', { iss: 'aud1', aud: 'iss1' }],
  ])('a token with %s is 401', async (_case, claims) => {
    const token = tokenFor('u1', 'admin', claims);
    expectUnauthorized(await getCartWith(token), token);
  });
});
