import type { LightMyRequestResponse } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { ERROR_CODES } from '../../shared/errors/error-codes';
import { startTestApp, type TestApp, type ProductJson } from '../support/test-app';
import { bearer, tokenFor } from '../support/tokens';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const PRODUCT_KEYS = ['active', 'created_at', 'id', 'name', 'price', 'seller_id', 'stock', 'updated_at'];
const ADMIN = bearer(tokenFor('admin-1', 'admin'));
const VALID = { name: 'Widget', price: '9.99', stock: 5 };


const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const encodeCursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The wire shape of a product, exactly: no missing and no extra fields, each of its type. */
function expectProductShape(product: ProductJson): void {
  expect(Object.keys(product).sort()).toEqual(PRODUCT_KEYS);
  expect(product.id).toMatch(UUID);
  expect(typeof product.name).toBe('string');
  expect(product.price).toMatch(/^[0-9]+\.[0-9]{2}$/);
  expect(Number.isInteger(product.stock)).toBe(true);
  expect(product.seller_id === null || typeof product.seller_id === 'string').toBe(true);
  expect(typeof product.active).toBe('boolean');
  for (const timestamp of [product.created_at, product.updated_at]) {
    expect(new Date(timestamp).toISOString()).toBe(timestamp); // ISO-8601, UTC
  }
}

/** An error in the contract shape whose code is the given catalogue code. */
function expectError(res: LightMyRequestResponse, statusCode: number, code: string): void {
  expect(res.statusCode).toBe(statusCode);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.json()).toMatchObject({ statusCode, error: STATUS_CODES[statusCode], code, message: expect.any(String) });
}

describe('products', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const countProducts = async () => (await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM products'))[0]!.n;
  const create = (payload: unknown, headers: Record<string, string> = ADMIN) =>
    t.app.inject({ method: 'POST', url: '/api/admin/products', headers, payload: payload as object });
  const createRaw = (payload: string, contentType = 'application/json') =>
    t.app.inject({ method: 'POST', url: '/api/admin/products', headers: { ...ADMIN, 'content-type': contentType }, payload });
  const patch = (id: string, payload: unknown) =>
    t.app.inject({ method: 'PATCH', url: `/api/admin/products/${id}`, headers: ADMIN, payload: payload as object });
  const getOne = (id: string) => t.app.inject({ method: 'GET', url: `/api/products/${id}` });
  const list = (query = '') => t.app.inject({ method: 'GET', url: `/api/products${query}` });

  async function createProduct(values: Record<string, unknown> = {}): Promise<ProductJson> {
    const res = await create({ ...VALID, ...values });
    expect(res.statusCode).toBe(201);
    return res.json();
  }

  async function storedRow(id: string) {
    const [row] = await t.sql<Record<string, unknown>>(
      'SELECT name, price::text AS price, stock, seller_id, active FROM products WHERE id = $1',
      [id],
    );
    return row;
  }

  describe('POST /api/admin/products', () => {
    it('creates a product: 201 with exactly {id, name, price, stock, seller_id, active, created_at, updated_at}', async () => {
      const before = await countProducts();
      const res = await create({ name: 'Desk lamp', price: '19.99', stock: 7, seller_id: 'seller-42' });
      expect(res.statusCode).toBe(201);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const product: ProductJson = res.json();
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
      expect(await storedRow(product.id)).toEqual({
        name: 'Desk lamp',
        price: '19.99',
        stock: 7,
        seller_id: 'seller-42',
        active: true,
      });
    });

    it('the created product is served by GET /api/products/:id with the same body', async () => {
      const product = await createProduct();
      const res = await getOne(product.id);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(product);
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
      const product = await createProduct({ price: sent });
      expect(product.price).toBe(normalised);
      expect((await storedRow(product.id))!.price).toBe(normalised);
    });

    it('seller_id is optional: omitted, it is null', async () => {
      const product = await createProduct();
      expect(product.seller_id).toBeNull();
      expect((await storedRow(product.id))!.seller_id).toBeNull();
    });

    it('seller_id may be given as null explicitly', async () => {
      expect((await createProduct({ seller_id: null })).seller_id).toBeNull();
    });

    it('accepts the boundaries: stock 0, stock 2147483647, a 1-character and a 200-character name', async () => {
      expect((await createProduct({ stock: 0 })).stock).toBe(0);
      expect((await createProduct({ stock: 2_147_483_647 })).stock).toBe(2_147_483_647);
      expect((await createProduct({ name: 'x' })).name).toBe('x');
      expect((await createProduct({ name: 'n'.repeat(200) })).name).toBe('n'.repeat(200));
    });

    it('counts name length in characters: 200 emoji (400 UTF-16 units) are accepted and stored intact', async () => {
      const name = '☕'.repeat(100) + '🛒'.repeat(100);
      const product = await createProduct({ name });
      expect(product.name).toBe(name);
      expect((await storedRow(product.id))!.name).toBe(name);
    });

    it('a client cannot choose the id, active flag or timestamps (unknown properties are 400)', async () => {
      const before = await countProducts();
      for (const extra of [{ id: UNKNOWN_ID }, { active: false }, { created_at: '2020-01-01T00:00:00.000Z' }]) {
        expectError(await create({ ...VALID, ...extra }), 400, 'VALIDATION_ERROR');
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
        const res = await create(payload);
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
        const res = await create({ ...VALID, name: 'Wid\u0000get' });
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

  describe('PATCH /api/admin/products/:id', () => {
    it.each<[string, Record<string, unknown>, Partial<ProductJson>]>([
      ['name', { name: 'Renamed' }, { name: 'Renamed' }],
      ['price (normalised)', { price: '7' }, { price: '7.00' }],
      ['price with cents', { price: '12.3' }, { price: '12.30' }],
      ['stock', { stock: 42 }, { stock: 42 }],
      ['stock to 0', { stock: 0 }, { stock: 0 }],
      ['active', { active: false }, { active: false }],
      ['seller_id', { seller_id: 'seller-9' }, { seller_id: 'seller-9' }],
    ])('changes only the %s: 200 with the whole product, the rest untouched', async (_case, body, expected) => {
      const product = await createProduct({ name: 'Original', price: '9.99', stock: 5, seller_id: 'seller-1' });
      const res = await patch(product.id, body);
      expect(res.statusCode).toBe(200);
      const updated: ProductJson = res.json();
      expectProductShape(updated);
      expect(updated).toEqual({ ...product, ...expected, updated_at: expect.any(String) });
      const row = await storedRow(product.id);
      expect(row).toEqual({
        name: updated.name,
        price: updated.price,
        stock: updated.stock,
        seller_id: updated.seller_id,
        active: updated.active,
      });
    });

    it('sets seller_id back to null', async () => {
      const product = await createProduct({ seller_id: 'seller-1' });
      const res = await patch(product.id, { seller_id: null });
      expect(res.statusCode).toBe(200);
      expect(res.json().seller_id).toBeNull();
      expect((await storedRow(product.id))!.seller_id).toBeNull();
    });

    it('changes several fields at once', async () => {
      const product = await createProduct();
      const res = await patch(product.id, { name: 'Bundle', price: '49.5', stock: 1, active: false });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        ...product,
        name: 'Bundle',
        price: '49.50',
        stock: 1,
        active: false,
        updated_at: expect.any(String),
      });
    });

    it('advances updated_at and keeps created_at', async () => {
      const product = await createProduct();
      await sleep(10);
      const updated: ProductJson = (await patch(product.id, { stock: 9 })).json();
      expect(updated.created_at).toBe(product.created_at);
      expect(Date.parse(updated.updated_at)).toBeGreaterThan(Date.parse(product.updated_at));
    });

    it('an empty body is 400 VALIDATION_ERROR and changes nothing', async () => {
      const product = await createProduct();
      expectError(await patch(product.id, {}), 400, 'VALIDATION_ERROR');
      expect((await getOne(product.id)).json()).toEqual(product);
    });

    it.each<[string, Record<string, unknown>]>([
      ['price "0"', { price: '0' }],
      ['price as a number', { price: 5 }],
      ['price "1.234"', { price: '1.234' }],
      ['stock "5" (a string)', { stock: '5' }],
      ['stock -1', { stock: -1 }],
      ['name empty', { name: '' }],
      ['name of 201 characters', { name: 'n'.repeat(201) }],
      ['active "false" (a string)', { active: 'false' }],
      ['an unknown property', { colour: 'red' }],
      ['a valid field next to an unknown one', { stock: 3, colour: 'red' }],
      ['id', { id: UNKNOWN_ID }],
    ])('a bad body (%s) is 400 VALIDATION_ERROR and changes nothing', async (_case, body) => {
      const product = await createProduct();
      expectError(await patch(product.id, body), 400, 'VALIDATION_ERROR');
      expect((await getOne(product.id)).json()).toEqual(product);
    });

    it('a name containing a NUL character is 400 and changes nothing (not stored altered)', async () => {
      const product = await createProduct();
      expectError(await patch(product.id, { name: 'Wid\u0000get' }), 400, 'VALIDATION_ERROR');
      expect((await storedRow(product.id))!.name).toBe(product.name);
    });

    it('malformed JSON is 400', async () => {
      const product = await createProduct();
      const res = await t.app.inject({
        method: 'PATCH',
        url: `/api/admin/products/${product.id}`,
        headers: { ...ADMIN, 'content-type': 'application/json' },
        payload: '{"stock": ',
      });
      expectError(res, 400, 'VALIDATION_ERROR');
    });

    it('an unknown id is 404 PRODUCT_NOT_FOUND', async () => {
      expectError(await patch(UNKNOWN_ID, { stock: 1 }), 404, 'PRODUCT_NOT_FOUND');
    });

    it.each([['not-a-uuid'], ['123'], [`${UNKNOWN_ID}0`]])('a non-UUID id (%s) is 404 PRODUCT_NOT_FOUND', async (id) => {
      expectError(await patch(id, { stock: 1 }), 404, 'PRODUCT_NOT_FOUND');
    });

    it('deactivating hides the product from the public list and GET /api/products/:id (404); reactivating brings it back', async () => {
      const product = await createProduct({ name: 'Seasonal' });
      const listedIds = async () => ((await list('?limit=100')).json().products as ProductJson[]).map((p) => p.id);
      expect(await listedIds()).toContain(product.id);

      const off = await patch(product.id, { active: false });
      expect(off.statusCode).toBe(200);
      expect(off.json().active).toBe(false);
      expect(await listedIds()).not.toContain(product.id);
      expectError(await getOne(product.id), 404, 'PRODUCT_NOT_FOUND');
      // the row is kept (orders refer to it), only hidden
      expect((await storedRow(product.id))!.active).toBe(false);

      const on = await patch(product.id, { active: true });
      expect(on.statusCode).toBe(200);
      expect(on.json().active).toBe(true);
      expect(await listedIds()).toContain(product.id);
      const back = await getOne(product.id);
      expect(back.statusCode).toBe(200);
      expect(back.json()).toEqual(on.json());
    });

    it('an inactive product can still be changed by an admin', async () => {
      const product = await createProduct();
      await patch(product.id, { active: false });
      const res = await patch(product.id, { stock: 11 });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ stock: 11, active: false });
    });
  });

  describe('GET /api/products/:id', () => {
    it('answers an active product in exactly the product shape', async () => {
      const product = await createProduct({ name: 'Mug', price: '4.5', stock: 2 });
      const res = await getOne(product.id);
      expect(res.statusCode).toBe(200);
      expectProductShape(res.json());
      expect(res.json()).toMatchObject({ id: product.id, name: 'Mug', price: '4.50', stock: 2, seller_id: null, active: true });
    });

    it('needs no token', async () => {
      const product = await createProduct();
      const res = await t.app.inject({ method: 'GET', url: `/api/products/${product.id}` });
      expect(res.statusCode).toBe(200);
    });

    it('an id in upper case names the same product', async () => {
      const product = await createProduct();
      const res = await getOne(product.id.toUpperCase());
      expect(res.statusCode).toBe(200);
      expect(res.json().id).toBe(product.id);
    });

    it('an unknown id is 404 PRODUCT_NOT_FOUND', async () => {
      expectError(await getOne(UNKNOWN_ID), 404, 'PRODUCT_NOT_FOUND');
    });

    it.each([['not-a-uuid'], ['123'], ['1%20OR%201%3D1'], [`${UNKNOWN_ID}0`], ['%00']])(
      'a non-UUID id (%s, URL-encoded) is 404 PRODUCT_NOT_FOUND, never 400 or 500',
      async (id) => {
        expectError(await getOne(id), 404, 'PRODUCT_NOT_FOUND');
      },
    );

    it('a non-UUID id longer than 100 characters is 404 PRODUCT_NOT_FOUND like any other non-UUID id', async () => {
      expectError(await getOne('a'.repeat(101)), 404, 'PRODUCT_NOT_FOUND');
    });

    it('an id with broken percent-encoding answers in the contract error shape with a catalogue code', async () => {
      const res = await getOne('%E0%A4%A');
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      const body = res.json();
      expect(Object.keys(ERROR_CODES)).toContain(body.code);
      expect(ERROR_CODES[body.code as keyof typeof ERROR_CODES]).toBe(res.statusCode);
      expect(body).toMatchObject({ statusCode: res.statusCode, error: STATUS_CODES[res.statusCode] });
    });

    it('an inactive product is 404 PRODUCT_NOT_FOUND', async () => {
      const product = await createProduct();
      await patch(product.id, { active: false });
      expectError(await getOne(product.id), 404, 'PRODUCT_NOT_FOUND');
    });
  });

  describe('GET /api/products', () => {
    beforeEach(async () => {
      await t.sql('TRUNCATE products CASCADE');
    });

    /** Creates `n` products through the API, a few milliseconds apart so that each has its own created_at. */
    async function createInOrder(n: number): Promise<ProductJson[]> {
      const created: ProductJson[] = [];
      for (let i = 1; i <= n; i += 1) {
        created.push(await createProduct({ name: `Product ${i}` }));
        await sleep(3);
      }
      return created;
    }

    /** Follows next_cursor from the first page to the last; returns the pages. */
    async function walk(limit: number): Promise<ProductJson[][]> {
      const pages: ProductJson[][] = [];
      let cursor: string | null = null;
      do {
        const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await list(query);
        expect(res.statusCode).toBe(200);
        const body: { products: ProductJson[]; next_cursor: string | null } = res.json();
        expect(Object.keys(body).sort()).toEqual(['next_cursor', 'products']);
        pages.push(body.products);
        cursor = body.next_cursor;
        if (pages.length > 50) throw new Error('pagination does not end');
      } while (cursor !== null);
      return pages;
    }

    it('an empty catalogue is an empty page with next_cursor null', async () => {
      const res = await list();
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ products: [], next_cursor: null });
    });

    it('lists only active products, each in exactly the product shape', async () => {
      const [first, second, third] = await createInOrder(3);
      await patch(second!.id, { active: false });
      await t.sql("INSERT INTO products (name, price, stock, active) VALUES ('Hidden', 1, 1, false)");
      const res = await list();
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.next_cursor).toBeNull();
      expect(body.products.map((p: ProductJson) => p.id)).toEqual([first!.id, third!.id]);
      for (const product of body.products) {
        expectProductShape(product);
        expect(product.active).toBe(true);
      }
      expect(body.products[0]).toEqual(first);
    });

    it('needs no token', async () => {
      await createInOrder(1);
      expect((await t.app.inject({ method: 'GET', url: '/api/products' })).statusCode).toBe(200);
    });

    it('limit=2 over 5 products walks all of them exactly once, in created order, and ends with next_cursor null', async () => {
      const created = await createInOrder(5);
      const pages = await walk(2);
      expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
      const seen = pages.flat().map((p) => p.id);
      expect(seen).toEqual(created.map((p) => p.id));
      expect(new Set(seen).size).toBe(5);
    });

    it('a limit equal to the number of products is one page with next_cursor null (no empty extra page)', async () => {
      await createInOrder(3);
      const res = await list('?limit=3');
      expect(res.json().products).toHaveLength(3);
      expect(res.json().next_cursor).toBeNull();
    });

    it('products created in the same millisecond are neither skipped nor repeated across pages', async () => {
      const rows = await t.sql<{ id: string }>(
        `INSERT INTO products (name, price, stock, created_at, updated_at)
         SELECT 'Tie ' || g, 1, 1, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z' FROM generate_series(1, 5) AS g
         RETURNING id`,
      );
      const pages = await walk(2);
      expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
      expect(pages.flat().map((p) => p.id)).toEqual(rows.map((r) => r.id).sort());
    });

    it('a cursor stays valid when its last product is deactivated before the next page is read', async () => {
      const created = await createInOrder(5);
      const first = (await list('?limit=2')).json();
      await patch(first.products[1].id, { active: false });
      const rest = await list(`?limit=10&cursor=${encodeURIComponent(first.next_cursor)}`);
      expect(rest.statusCode).toBe(200);
      expect(rest.json().products.map((p: ProductJson) => p.id)).toEqual(created.slice(2).map((p) => p.id));
      expect(rest.json().next_cursor).toBeNull();
    });

    it('the default limit is 20', async () => {
      await t.sql(
        "INSERT INTO products (name, price, stock, created_at) SELECT 'P' || g, 1, 1, now() + g * interval '1 ms' FROM generate_series(1, 21) AS g",
      );
      const res = await list();
      expect(res.json().products).toHaveLength(20);
      expect(res.json().next_cursor).toEqual(expect.any(String));
    });

    it('limit=1 and limit=100 are accepted', async () => {
      await createInOrder(2);
      expect((await list('?limit=1')).json().products).toHaveLength(1);
      expect((await list('?limit=100')).json().products).toHaveLength(2);
    });

    it.each([['0'], ['101'], ['abc'], ['-1'], ['1.5'], ['']])('limit=%p is 400 VALIDATION_ERROR', async (limit) => {
      expectError(await list(`?limit=${limit}`), 400, 'VALIDATION_ERROR');
    });

    it.each<[string, string]>([
      ['not base64 at all', '!!!!'],
      ['a word', 'garbage'],
      ['base64 of text', Buffer.from('not json').toString('base64url')],
      ['JSON null', encodeCursor(null)],
      ['a JSON array', encodeCursor([])],
      ['an empty object', encodeCursor({})],
      ['an id that is not a UUID', encodeCursor({ t: '2024-01-01T00:00:00.000Z', id: 'nope' })],
      ['a time that is not a date', encodeCursor({ t: 'yesterday', id: UNKNOWN_ID })],
      ['a time that is a number', encodeCursor({ t: 1_700_000_000_000, id: UNKNOWN_ID })],
      ['an injected id', encodeCursor({ t: '2024-01-01T00:00:00.000Z', id: "x' OR '1'='1" })],
      ['501 characters', 'a'.repeat(501)],
    ])('a garbage cursor (%s) is 400 VALIDATION_ERROR, never 500', async (_case, cursor) => {
      await createInOrder(1);
      expectError(await list(`?cursor=${encodeURIComponent(cursor)}`), 400, 'VALIDATION_ERROR');
    });

    it('an empty cursor is 400 VALIDATION_ERROR', async () => {
      expectError(await list('?cursor='), 400, 'VALIDATION_ERROR');
    });

    it('a cursor whose time PostgreSQL cannot represent (year -10000) is 400 VALIDATION_ERROR, never 500', async () => {
      await createInOrder(1);
      const cursor = encodeCursor({ t: '-010000-01-01T00:00:00.000Z', id: UNKNOWN_ID });
      expectError(await list(`?cursor=${cursor}`), 400, 'VALIDATION_ERROR');
    });
  });
});

describe('products with a 2048-byte body limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ BODY_LIMIT_BYTES: '2048' });
  });
  afterAll(() => t.close());

  const countProducts = async () => (await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM products'))[0]!.n;
  /** A valid product body padded with JSON whitespace to exactly `bytes` bytes. */
  const paddedBody = (bytes: number) => {
    const json = JSON.stringify(VALID);
    return `${json.slice(0, -1)}${' '.repeat(bytes - json.length)}}`;
  };
  const send = (method: 'POST' | 'PATCH', url: string, payload: string) =>
    t.app.inject({ method, url, headers: { ...ADMIN, 'content-type': 'application/json' }, payload });

  it('a body of exactly the limit is accepted', async () => {
    const payload = paddedBody(2048);
    expect(Buffer.byteLength(payload)).toBe(2048);
    expect((await send('POST', '/api/admin/products', payload)).statusCode).toBe(201);
  });

  it('a body one byte over the limit is 413 PAYLOAD_TOO_LARGE and inserts nothing', async () => {
    const before = await countProducts();
    const res = await send('POST', '/api/admin/products', paddedBody(2049));
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(await countProducts()).toBe(before);
  });

  it('an oversized body that is also invalid is 413, not 400: the size is checked before the content', async () => {
    const before = await countProducts();
    const res = await send('POST', '/api/admin/products', JSON.stringify({ name: 'n'.repeat(5000), price: 1 }));
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(await countProducts()).toBe(before);
  });

  it('an oversized PATCH body is 413 and changes nothing', async () => {
    const created = (await send('POST', '/api/admin/products', JSON.stringify(VALID))).json() as ProductJson;
    const res = await send('PATCH', `/api/admin/products/${created.id}`, JSON.stringify({ name: 'n'.repeat(3000) }));
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    const [row] = await t.sql<{ name: string }>('SELECT name FROM products WHERE id = $1', [created.id]);
    expect(row!.name).toBe(VALID.name);
  });
});
