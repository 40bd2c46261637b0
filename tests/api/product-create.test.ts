import type { ProductJson } from '../support/rows';
import { admin } from '../support/actors';
import { dbFor } from '../support/db';
import { expectError, expectProductShape, UUID } from '../support/expectations';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

const ADMIN = admin('admin-1');
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const VALID = { name: 'Widget', price: '9.99', stock: 5 };

describe('creating a product: POST /api/admin/products', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { countProducts, productRow } = dbFor(t);
  /** POST /api/admin/products with a body sent as it is, under `contentType`. */
  const createRaw = (raw: string, contentType = 'application/json') =>
    t.api.request('POST', '/api/admin/products', { token: ADMIN.token, raw, headers: { 'content-type': contentType } });

  it('creates a product: 201 with exactly {id, name, price, stock, seller_id, active, created_at, updated_at}', async () => {
    const before = await countProducts();
    const res = await api.createProduct(ADMIN, { name: 'Desk lamp', price: '19.99', stock: 7, seller_id: 'seller-42' });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const product: ProductJson = res.body;
    expectProductShape(product);
    expect(product).toEqual({
      id: expect.stringMatching(UUID),
      name: 'Desk lamp',
      price: '19.99',
      stock: 7,
      seller_id: 'seller-42',
      active: true,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(Math.abs(Date.parse(product.created_at) - Date.now())).toBeLessThan(60_000);
    expect(await countProducts()).toBe(before + 1);
    expect(await productRow(product.id)).toEqual({
      name: 'Desk lamp',
      price: '19.99',
      stock: 7,
      seller_id: 'seller-42',
      active: true,
    });
  });

  it('the created product is served by GET /api/products/:id with the same body', async () => {
    const product = await given.product();
    const res = await api.getProduct(product.id);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(product);
  });

  it.each([
    ['9.5', '9.50'],
    ['5', '5.00'],
    ['0.5', '0.50'],
    ['0.01', '0.01'],
    ['0.1', '0.10'],
    ['10.10', '10.10'],
    ['100', '100.00'],
    ['9999999999.99', '9999999999.99'],
  ])('normalises the price %p to two places (%p), in the response and in the database', async (sent, normalised) => {
    const product = await given.product({ price: sent });
    expect(product.price).toBe(normalised);
    expect((await productRow(product.id))!.price).toBe(normalised);
  });

  it('seller_id is optional: omitted, it is null', async () => {
    const product = await given.product();
    expect(product.seller_id).toBeNull();
    expect((await productRow(product.id))!.seller_id).toBeNull();
  });

  it('seller_id may be given as null explicitly', async () => {
    expect((await given.product({ seller_id: null })).seller_id).toBeNull();
  });

  it('accepts the boundaries: stock 0, stock 2147483647, a 1-character and a 200-character name', async () => {
    expect((await given.product({ stock: 0 })).stock).toBe(0);
    expect((await given.product({ stock: 2_147_483_647 })).stock).toBe(2_147_483_647);
    expect((await given.product({ name: 'x' })).name).toBe('x');
    expect((await given.product({ name: 'n'.repeat(200) })).name).toBe('n'.repeat(200));
  });

  it('counts name length in characters: 200 emoji (400 UTF-16 units) are accepted and stored intact', async () => {
    const name = '☕'.repeat(100) + '🛒'.repeat(100);
    const product = await given.product({ name });
    expect(product.name).toBe(name);
    expect((await productRow(product.id))!.name).toBe(name);
  });

  it('a client cannot choose the id, active flag or timestamps (unknown properties are 400)', async () => {
    const before = await countProducts();
    for (const extra of [{ id: UNKNOWN_ID }, { active: false }, { created_at: '2020-01-01T00:00:00.000Z' }]) {
      expectError(await api.createProduct(ADMIN, { ...VALID, ...extra }), 400, 'VALIDATION_ERROR');
    }
    expect(await countProducts()).toBe(before);
  });

  describe('every bad body is 400 VALIDATION_ERROR and inserts nothing', () => {
    const { name: _name, ...withoutName } = VALID;
    const { price: _price, ...withoutPrice } = VALID;
    const { stock: _stock, ...withoutStock } = VALID;

    it.each<[string, unknown]>([
      ['price as a number', { ...VALID, price: 9.99 }],
      ['price as an integer', { ...VALID, price: 10 }],
      ['price "0"', { ...VALID, price: '0' }],
      ['price "0.00"', { ...VALID, price: '0.00' }],
      ['price "0.0"', { ...VALID, price: '0.0' }],
      ['price "-1"', { ...VALID, price: '-1' }],
      ['price "-0.01"', { ...VALID, price: '-0.01' }],
      ['price "1.234" (three places)', { ...VALID, price: '1.234' }],
      ['price "abc"', { ...VALID, price: 'abc' }],
      ['price with 11 integer digits', { ...VALID, price: '12345678901' }],
      ['price with 11 integer digits and cents', { ...VALID, price: '12345678901.00' }],
      ['price ""', { ...VALID, price: '' }],
      ['price " 1.00" (padded)', { ...VALID, price: ' 1.00' }],
      ['price "1." (no places)', { ...VALID, price: '1.' }],
      ['price ".5" (no units)', { ...VALID, price: '.5' }],
      ['price "1e3" (exponent)', { ...VALID, price: '1e3' }],
      ['price "01.00" (leading zero)', { ...VALID, price: '01.00' }],
      ['price "1,00" (comma)', { ...VALID, price: '1,00' }],
      ['price "+1"', { ...VALID, price: '+1' }],
      ['price null', { ...VALID, price: null }],
      ['price missing', withoutPrice],
      ['stock "5" (a string, not coerced)', { ...VALID, stock: '5' }],
      ['stock -1', { ...VALID, stock: -1 }],
      ['stock 1.5', { ...VALID, stock: 1.5 }],
      ['stock 2147483648 (beyond integer)', { ...VALID, stock: 2_147_483_648 }],
      ['stock true', { ...VALID, stock: true }],
      ['stock null', { ...VALID, stock: null }],
      ['stock missing', withoutStock],
      ['name empty', { ...VALID, name: '' }],
      ['name only whitespace', { ...VALID, name: '   ' }],
      ['name missing', withoutName],
      ['name of 201 characters', { ...VALID, name: 'n'.repeat(201) }],
      ['name a number', { ...VALID, name: 42 }],
      ['name null', { ...VALID, name: null }],
      ['seller_id empty', { ...VALID, seller_id: '' }],
      ['seller_id a number', { ...VALID, seller_id: 42 }],
      ['seller_id of 256 characters', { ...VALID, seller_id: 's'.repeat(256) }],
      ['an unknown property', { ...VALID, colour: 'red' }],
      ['an empty object', {}],
    ])('%s', async (_case, payload) => {
      const before = await countProducts();
      const res = await api.createProduct(ADMIN, payload);
      expectError(res, 400, 'VALIDATION_ERROR');
      expect(await countProducts()).toBe(before);
    });

    it.each([
      ['truncated JSON', '{"name": "Widget", "price": '],
      ['single quotes', "{'name': 'Widget', 'price': '9.99', 'stock': 5}"],
      ['a trailing comma', '{"name": "Widget", "price": "9.99", "stock": 5,}'],
      ['plain text', 'name=Widget'],
    ])('malformed JSON (%s) is 400', async (_case, raw) => {
      const before = await countProducts();
      expectError(await createRaw(raw), 400, 'VALIDATION_ERROR');
      expect(await countProducts()).toBe(before);
    });

    it('an empty body declared as JSON is 400', async () => {
      expectError(await createRaw(''), 400, 'VALIDATION_ERROR');
    });

    it.each([['[]'], ['[{"name":"Widget","price":"9.99","stock":5}]'], ['"Widget"'], ['42'], ['true'], ['null']])(
      'a JSON body that is not an object (%s) is 400',
      async (raw) => {
        const before = await countProducts();
        expectError(await createRaw(raw), 400, 'VALIDATION_ERROR');
        expect(await countProducts()).toBe(before);
      },
    );

    it('a JSON object sent as text/plain is 400: it is a string, not an object', async () => {
      expectError(await createRaw(JSON.stringify(VALID), 'text/plain'), 400, 'VALIDATION_ERROR');
    });

    it('a form-encoded body is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const before = await countProducts();
      expectError(await createRaw('name=Widget&price=9.99&stock=5', 'application/x-www-form-urlencoded'), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(await countProducts()).toBe(before);
    });

    it('a __proto__ key (prototype poisoning) is 400', async () => {
      const before = await countProducts();
      expectError(await createRaw('{"name":"Widget","price":"9.99","stock":5,"__proto__":{"x":1}}'), 400, 'VALIDATION_ERROR');
      expect(await countProducts()).toBe(before);
    });

    it('a name containing a NUL character (which PostgreSQL text cannot hold) is 400, not stored altered', async () => {
      const before = await countProducts();
      const res = await api.createProduct(ADMIN, { ...VALID, name: 'Wid\u0000get' });
      expectError(res, 400, 'VALIDATION_ERROR');
      expect(await countProducts()).toBe(before);
    });
  });

  it('a body over the default 64 KiB limit is 413 PAYLOAD_TOO_LARGE', async () => {
    const before = await countProducts();
    const res = await createRaw(JSON.stringify({ ...VALID, name: 'n'.repeat(70_000) }));
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(await countProducts()).toBe(before);
  });
});
