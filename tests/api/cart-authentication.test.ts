import { bearer, mintToken, tokenFor } from '../support/tokens';
import { actor, ANONYMOUS } from '../support/actors';
import { dbFor } from '../support/db';
import { expectError } from '../support/expectations';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

const alice = actor('alice');

describe('cart authentication: every route needs a valid bearer token', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { cartTable } = dbFor(t);
  beforeEach(() => t.sql('DELETE FROM cart_items'));

  let productId: string;
  let lineId: string;
  beforeEach(async () => {
    productId = (await given.product({ price: '1.00', stock: 10 })).id;
    lineId = (await given.cart(alice, productId, 2)).id;
  });

  const noToken = {};
  const now = Math.floor(Date.now() / 1000);
  const badSignature = bearer(mintToken({ sub: 'alice', iat: now, exp: now + 3600 }, { secret: 'another-secret-that-is-at-least-32-bytes' }));
  const unsigned = bearer(mintToken({ sub: 'alice', iat: now, exp: now + 3600 }, { header: { alg: 'none', typ: 'JWT' } }));
  const expired = bearer(tokenFor('alice', undefined, { exp: Math.floor(Date.now() / 1000) - 60 }));

  it.each<[string, Record<string, string>]>([
    ['without a token', noToken],
    ['with a badly signed token', badSignature],
    ['with an expired token', expired],
    ['with an alg: none token', unsigned],
    ['with a non-bearer scheme', { authorization: 'Basic YWxpY2U6cGFzcw==' }],
  ])('every cart route answers 401 UNAUTHORIZED %s and nothing changes', async (_label, headers) => {
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
