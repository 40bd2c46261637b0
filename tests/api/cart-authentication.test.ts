import { bearer, mintToken, tokenFor } from '../support/tokens';
import { ANONYMOUS, newUser, type Actor } from '../support/actors';
import { dbFor } from '../support/db';
import { expectError } from '../support/expectations';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

describe('cart authentication: every route needs a valid bearer token', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { cartTable } = dbFor(t);

  // each test: a user of its own with one cart line, whom the refused tokens name
  let user: Actor;
  let productId: string;
  let lineId: string;
  beforeEach(async () => {
    user = newUser();
    productId = (await given.product({ price: '1.00', stock: 10 })).id;
    lineId = (await given.cart(user, productId, 2)).id;
  });

  const now = Math.floor(Date.now() / 1000);
  it.each<[string, (sub: string) => Record<string, string>]>([
    ['without a token', () => ({})],
    ['with a badly signed token', (sub) => bearer(mintToken({ sub, iat: now, exp: now + 3600 }, { secret: 'another-secret-that-is-at-least-32-bytes' }))],
    ['with an expired token', (sub) => bearer(tokenFor(sub, undefined, { exp: now - 60 }))],
    ['with an alg: none token', (sub) => bearer(mintToken({ sub, iat: now, exp: now + 3600 }, { header: { alg: 'none', typ: 'JWT' } }))],
    ['with a non-bearer scheme', () => ({ authorization: 'Basic YWxpY2U6cGFzcw==' })],
  ])('every cart route answers 401 UNAUTHORIZED %s and nothing changes', async (_label, headersFor) => {
    const headers = headersFor(user.id);
    // the whole table: a refused request changes no cart at all
    const before = await cartTable();
    const answers = [
      await t.api.request('POST', '/api/cart', { headers, body: { product_id: productId } }),
      await t.api.request('PATCH', `/api/cart/${lineId}`, { headers, body: { quantity: 5 } }),
      await t.api.request('DELETE', `/api/cart/${lineId}`, { headers }),
      await t.api.request('GET', '/api/cart', { headers }),
    ];
    for (const res of answers) {
      expectError(res, 401, 'UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    expect(await cartTable()).toEqual(before);
  });

  it('checks the token before the body: an invalid body without a token is 401, not 400', async () => {
    const res = await api.addToCart(ANONYMOUS, { quantity: 'lots' });
    expectError(res, 401, 'UNAUTHORIZED');
  });
});
