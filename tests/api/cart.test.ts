import type { LightMyRequestResponse } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { createProductViaApi, startTestApp, type TestApp, type ProductJson } from '../support/test-app';
import { bearer, mintToken, tokenFor } from '../support/tokens';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const alice = bearer(tokenFor('alice'));
const bob = bearer(tokenFor('bob'));
const admin = bearer(tokenFor('admin1', 'admin'));

type Headers = Record<string, string>;
type Payload = Record<string, unknown> | string;


interface CartLineJson {
  id: string;
  product_id: string;
  name: string;
  unit_price: string;
  quantity: number;
  line_total: string;
}

interface CartRow {
  id: string;
  user_id: string;
  product_id: string;
  quantity: number;
  updated_at: Date;
}

describe('cart', () => {
  let t: TestApp;
  let productCount = 0;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  beforeEach(() => t.sql('DELETE FROM cart_items'));

  /** Creates an active product through the admin API. */
  async function createProduct(price = '19.99', stock = 10, name = `Product ${++productCount}`): Promise<ProductJson> {
    return createProductViaApi(t.app, { name, price, stock });
  }

  async function patchProduct(id: string, changes: Record<string, unknown>): Promise<void> {
    const res = await t.app.inject({ method: 'PATCH', url: `/api/admin/products/${id}`, headers: admin, payload: changes });
    expect(res.statusCode).toBe(200);
  }

  function addItem(payload: Payload | undefined, headers: Headers = alice) {
    return t.app.inject({ method: 'POST', url: '/api/cart', headers, ...(payload !== undefined && { payload }) });
  }

  function getCart(headers: Headers = alice) {
    return t.app.inject({ method: 'GET', url: '/api/cart', headers });
  }

  function patchLine(id: string, payload: Payload, headers: Headers = alice) {
    return t.app.inject({ method: 'PATCH', url: `/api/cart/${id}`, headers, payload });
  }

  function deleteLine(id: string, headers: Headers = alice) {
    return t.app.inject({ method: 'DELETE', url: `/api/cart/${id}`, headers });
  }

  /** Adds a line for alice (or `headers`) and returns it, asserting success. */
  async function addLine(productId: string, quantity?: number, headers: Headers = alice): Promise<CartLineJson> {
    const res = await addItem({ product_id: productId, ...(quantity !== undefined && { quantity }) }, headers);
    expect([200, 201]).toContain(res.statusCode);
    return res.json<CartLineJson>();
  }

  /** Every cart row in the database, to prove a failed request changed nothing. */
  function cartTable(): Promise<CartRow[]> {
    return t.sql<CartRow>('SELECT id, user_id, product_id, quantity, updated_at FROM cart_items ORDER BY id');
  }

  async function cartRow(id: string): Promise<CartRow | undefined> {
    const [row] = await t.sql<CartRow>('SELECT id, user_id, product_id, quantity, updated_at FROM cart_items WHERE id = $1', [id]);
    return row;
  }

  function expectError(res: LightMyRequestResponse, statusCode: number, code: string): void {
    expect({ statusCode: res.statusCode, body: res.json() }).toEqual({
      statusCode,
      body: expect.objectContaining({ statusCode, error: STATUS_CODES[statusCode], code, message: expect.any(String) }),
    });
  }

  describe('POST /api/cart', () => {
    it('creates a line: 201 with exactly the contract line shape', async () => {
      const product = await createProduct('19.99', 10, 'Blue mug');
      const res = await addItem({ product_id: product.id, quantity: 2 });
      expect(res.statusCode).toBe(201);
      const line = res.json<CartLineJson>();
      expect(line).toEqual({
        id: expect.stringMatching(UUID),
        product_id: product.id,
        name: 'Blue mug',
        unit_price: '19.99',
        quantity: 2,
        line_total: '39.98',
      });
      expect(Object.keys(line).sort()).toEqual(['id', 'line_total', 'name', 'product_id', 'quantity', 'unit_price']);
      expect(await cartTable()).toEqual([
        { id: line.id, user_id: 'alice', product_id: product.id, quantity: 2, updated_at: expect.any(Date) },
      ]);
    });

    it('quantity defaults to 1', async () => {
      const product = await createProduct('5.50');
      const res = await addItem({ product_id: product.id });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ product_id: product.id, quantity: 1, unit_price: '5.50', line_total: '5.50' });
      expect((await cartRow(res.json<CartLineJson>().id))?.quantity).toBe(1);
    });

    it('re-adding the same product merges into the same line: 200, same id, quantities summed', async () => {
      const product = await createProduct('2.50', 20);
      const first = await addItem({ product_id: product.id, quantity: 2 });
      expect(first.statusCode).toBe(201);
      const second = await addItem({ product_id: product.id, quantity: 3 });
      expect(second.statusCode).toBe(200);
      expect(second.json()).toEqual({
        id: first.json<CartLineJson>().id,
        product_id: product.id,
        name: product.name,
        unit_price: '2.50',
        quantity: 5,
        line_total: '12.50',
      });
      const third = await addItem({ product_id: product.id });
      expect(third.statusCode).toBe(200);
      expect(third.json()).toMatchObject({ id: first.json<CartLineJson>().id, quantity: 6 });
      const rows = await cartTable();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ id: first.json<CartLineJson>().id, quantity: 6 });
    });

    it('different products get different lines', async () => {
      const a = await createProduct();
      const b = await createProduct();
      const lineA = await addLine(a.id);
      const lineB = await addLine(b.id);
      expect(lineA.id).not.toBe(lineB.id);
      expect(await cartTable()).toHaveLength(2);
    });

    it('accepts a quantity equal to the stock, and a merge that reaches the stock exactly', async () => {
      const product = await createProduct('1.00', 5);
      expect((await addItem({ product_id: product.id, quantity: 3 })).statusCode).toBe(201);
      const merged = await addItem({ product_id: product.id, quantity: 2 });
      expect(merged.statusCode).toBe(200);
      expect(merged.json()).toMatchObject({ quantity: 5 });
    });

    it('a quantity beyond the stock is 409 OUT_OF_STOCK and creates no line', async () => {
      const product = await createProduct('1.00', 3);
      const res = await addItem({ product_id: product.id, quantity: 4 });
      expectError(res, 409, 'OUT_OF_STOCK');
      expect(await cartTable()).toEqual([]);
    });

    it('a product with no stock is 409 OUT_OF_STOCK', async () => {
      const product = await createProduct('1.00', 0);
      expectError(await addItem({ product_id: product.id }), 409, 'OUT_OF_STOCK');
      expect(await cartTable()).toEqual([]);
    });

    it('a merge beyond the stock is 409 OUT_OF_STOCK and leaves the line unchanged', async () => {
      const product = await createProduct('1.00', 3);
      const line = await addLine(product.id, 2);
      const before = await cartTable();
      const res = await addItem({ product_id: product.id, quantity: 2 });
      expectError(res, 409, 'OUT_OF_STOCK');
      expect(await cartTable()).toEqual(before);
      expect((await cartRow(line.id))?.quantity).toBe(2);
    });

    it('a merge beyond 99 units is 422 CART_LINE_LIMIT and leaves the line unchanged', async () => {
      const product = await createProduct('1.00', 1000);
      const line = await addLine(product.id, 60);
      const before = await cartTable();
      expectError(await addItem({ product_id: product.id, quantity: 40 }), 422, 'CART_LINE_LIMIT');
      expect(await cartTable()).toEqual(before);

      const full = await addItem({ product_id: product.id, quantity: 39 });
      expect(full.statusCode).toBe(200);
      expect(full.json()).toMatchObject({ id: line.id, quantity: 99 });
      const atLimit = await cartTable();
      expectError(await addItem({ product_id: product.id }), 422, 'CART_LINE_LIMIT');
      expect(await cartTable()).toEqual(atLimit);
      expect((await cartRow(line.id))?.quantity).toBe(99);
    });

    it('an unknown product is 404 PRODUCT_NOT_FOUND', async () => {
      expectError(await addItem({ product_id: randomUUID() }), 404, 'PRODUCT_NOT_FOUND');
      expect(await cartTable()).toEqual([]);
    });

    it('an inactive product is 404 PRODUCT_NOT_FOUND', async () => {
      const product = await createProduct('3.00', 10);
      await patchProduct(product.id, { active: false });
      expectError(await addItem({ product_id: product.id }), 404, 'PRODUCT_NOT_FOUND');
      expect(await cartTable()).toEqual([]);
    });

    it('a product_id that is not a UUID is 400 VALIDATION_ERROR', async () => {
      expectError(await addItem({ product_id: 'not-a-uuid' }), 400, 'VALIDATION_ERROR');
      expect(await cartTable()).toEqual([]);
    });

    it('a product_id in urn:uuid: form is a client error, never a 500', async () => {
      const product = await createProduct();
      const res = await addItem({ product_id: `urn:uuid:${product.id}` });
      expectError(res, 400, 'VALIDATION_ERROR');
      expect(await cartTable()).toEqual([]);
    });

    it('an upper-case spelling of a product id merges into the same line and answers the canonical product_id', async () => {
      const product = await createProduct('1.00', 10);
      const line = await addLine(product.id, 1);
      const res = await addItem({ product_id: product.id.toUpperCase() });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ ...line, quantity: 2, line_total: '2.00' });
      expect(await cartTable()).toHaveLength(1);
    });

    describe('rejects a bad body with 400 VALIDATION_ERROR and changes nothing', () => {
      let productId: string;
      beforeEach(async () => {
        productId = (await createProduct('1.00', 50)).id;
        await addLine(productId, 2);
      });

      // Each body names the product already in the cart, so wrongly accepting it would change the line.
      it.each<[string, () => Record<string, unknown>]>([
        ['a string quantity "2"', () => ({ product_id: productId, quantity: '2' })],
        ['quantity 0', () => ({ product_id: productId, quantity: 0 })],
        ['a negative quantity', () => ({ product_id: productId, quantity: -1 })],
        ['quantity 100', () => ({ product_id: productId, quantity: 100 })],
        ['a fractional quantity 1.5', () => ({ product_id: productId, quantity: 1.5 })],
        ['a null quantity', () => ({ product_id: productId, quantity: null })],
        ['a boolean quantity', () => ({ product_id: productId, quantity: true })],
        ['an unknown property', () => ({ product_id: productId, quantity: 1, gift_wrap: true })],
        ['a client-sent price', () => ({ product_id: productId, quantity: 1, price: '0.01' })],
        ['a missing product_id', () => ({ quantity: 1 })],
        ['a numeric product_id', () => ({ product_id: 42 })],
        ['an empty object', () => ({})],
      ])('%s', async (_label, body) => {
        const before = await cartTable();
        expectError(await addItem(body()), 400, 'VALIDATION_ERROR');
        expect(await cartTable()).toEqual(before);
      });

      it.each<[string, () => string]>([
        ['malformed JSON', () => `{"product_id": "${productId}", "quantity": `],
        ['trailing garbage after JSON', () => `{"product_id": "${productId}"} x`],
        ['a JSON array', () => `[{"product_id": "${productId}"}]`],
        ['a JSON string', () => `"${productId}"`],
        ['a __proto__ key', () => `{"product_id": "${productId}", "__proto__": {"quantity": 5}}`],
        ['an empty body', () => ''],
      ])('%s', async (_label, raw) => {
        const before = await cartTable();
        const res = await addItem(raw(), { ...alice, 'content-type': 'application/json' });
        expectError(res, 400, 'VALIDATION_ERROR');
        expect(await cartTable()).toEqual(before);
      });

      it('no body at all', async () => {
        const before = await cartTable();
        expectError(await addItem(undefined), 400, 'VALIDATION_ERROR');
        expect(await cartTable()).toEqual(before);
      });

      it('a body over the size cap is 413 PAYLOAD_TOO_LARGE', async () => {
        const before = await cartTable();
        const res = await addItem({ product_id: productId, padding: 'x'.repeat(t.config.BODY_LIMIT_BYTES) });
        expectError(res, 413, 'PAYLOAD_TOO_LARGE');
        expect(await cartTable()).toEqual(before);
      });
    });
  });

  describe('GET /api/cart', () => {
    it('an empty cart is items [], items_count 0, total_price "0.00"', async () => {
      const res = await getCart(bearer(tokenFor('carol')));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ items: [], items_count: 0, total_price: '0.00' });
    });

    it('lists the lines with items_count as the sum of quantities and an exact two-place total', async () => {
      const dime = await createProduct('0.10', 10, 'Dime sweet');
      const book = await createProduct('19.99', 10, 'Paperback');
      const dimeLine = await addLine(dime.id, 3);
      const bookLine = await addLine(book.id, 2);

      const res = await getCart();
      expect(res.statusCode).toBe(200);
      const cart = res.json<{ items: CartLineJson[]; items_count: number; total_price: string }>();
      expect(Object.keys(cart).sort()).toEqual(['items', 'items_count', 'total_price']);
      expect(cart.items).toHaveLength(2);
      expect(cart.items).toEqual(
        expect.arrayContaining([
          { id: dimeLine.id, product_id: dime.id, name: 'Dime sweet', unit_price: '0.10', quantity: 3, line_total: '0.30' },
          { id: bookLine.id, product_id: book.id, name: 'Paperback', unit_price: '19.99', quantity: 2, line_total: '39.98' },
        ]),
      );
      expect(cart.items_count).toBe(5);
      expect(cart.total_price).toBe('40.28');
    });

    it('adds float-hostile prices exactly', async () => {
      for (const price of ['0.10', '0.20', '0.70', '1.15', '4.35']) await addLine((await createProduct(price)).id, 1);
      const dimes = await createProduct('0.10', 99);
      await addLine(dimes.id, 33);
      const cart = (await getCart()).json();
      expect(cart.items_count).toBe(38);
      expect(cart.total_price).toBe('9.80');
    });

    it('totals the largest prices at the line limit exactly', async () => {
      const a = await createProduct('9999999999.99', 500);
      const b = await createProduct('9999999999.99', 500);
      await addLine(a.id, 99);
      await addLine(b.id, 99);
      const cart = (await getCart()).json();
      expect(cart.items.map((line: CartLineJson) => line.line_total)).toEqual(['989999999999.01', '989999999999.01']);
      expect(cart.items_count).toBe(198);
      expect(cart.total_price).toBe('1979999999998.02');
    });

    it('prices lines at the current product price and name after an admin change', async () => {
      const product = await createProduct('5.00', 10, 'Old name');
      const line = await addLine(product.id, 2);
      expect(line.line_total).toBe('10.00');

      await patchProduct(product.id, { price: '7.25', name: 'New name' });
      const cart = (await getCart()).json();
      expect(cart).toEqual({
        items: [{ id: line.id, product_id: product.id, name: 'New name', unit_price: '7.25', quantity: 2, line_total: '14.50' }],
        items_count: 2,
        total_price: '14.50',
      });
    });

    it('bob never sees alice\'s lines, and alice never sees bob\'s', async () => {
      const mine = await createProduct('1.00');
      const his = await createProduct('2.00');
      const aliceLine = await addLine(mine.id, 2);
      expect((await getCart(bob)).json()).toEqual({ items: [], items_count: 0, total_price: '0.00' });

      const bobLine = await addLine(his.id, 1, bob);
      const bobCart = (await getCart(bob)).json();
      expect(bobCart.items.map((line: CartLineJson) => line.id)).toEqual([bobLine.id]);
      expect(bobCart.total_price).toBe('2.00');
      const aliceCart = (await getCart()).json();
      expect(aliceCart.items.map((line: CartLineJson) => line.id)).toEqual([aliceLine.id]);
      expect(aliceCart.total_price).toBe('2.00');
    });

    it('alice and bob adding the same product get separate lines', async () => {
      const product = await createProduct('1.00', 10);
      const aliceLine = await addLine(product.id, 1);
      const bobAdd = await addItem({ product_id: product.id, quantity: 2 }, bob);
      expect(bobAdd.statusCode).toBe(201);
      expect(bobAdd.json<CartLineJson>().id).not.toBe(aliceLine.id);
      expect((await getCart()).json().items_count).toBe(1);
      expect((await getCart(bob)).json().items_count).toBe(2);
    });
  });

  describe('PATCH /api/cart/:id', () => {
    it('sets the quantity: 200 with the line', async () => {
      const product = await createProduct('3.33', 10, 'Triple');
      const line = await addLine(product.id, 1);
      const res = await patchLine(line.id, { quantity: 3 });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ id: line.id, product_id: product.id, name: 'Triple', unit_price: '3.33', quantity: 3, line_total: '9.99' });
      expect((await cartRow(line.id))?.quantity).toBe(3);

      const down = await patchLine(line.id, { quantity: 1 });
      expect(down.statusCode).toBe(200);
      expect(down.json()).toMatchObject({ quantity: 1, line_total: '3.33' });
      expect((await cartRow(line.id))?.quantity).toBe(1);
    });

    it('accepts a quantity equal to the stock', async () => {
      const product = await createProduct('1.00', 4);
      const line = await addLine(product.id, 1);
      const res = await patchLine(line.id, { quantity: 4 });
      expect(res.statusCode).toBe(200);
      expect((await cartRow(line.id))?.quantity).toBe(4);
    });

    it('beyond the stock is 409 OUT_OF_STOCK and leaves the line unchanged', async () => {
      const product = await createProduct('1.00', 4);
      const line = await addLine(product.id, 2);
      const before = await cartRow(line.id);
      expectError(await patchLine(line.id, { quantity: 5 }), 409, 'OUT_OF_STOCK');
      expect(await cartRow(line.id)).toEqual(before);
    });

    it('a line whose product was deactivated is 404 PRODUCT_NOT_FOUND and unchanged', async () => {
      const product = await createProduct('1.00', 10);
      const line = await addLine(product.id, 2);
      await patchProduct(product.id, { active: false });
      const before = await cartRow(line.id);
      expectError(await patchLine(line.id, { quantity: 3 }), 404, 'PRODUCT_NOT_FOUND');
      expect(await cartRow(line.id)).toEqual(before);
    });

    it.each<[string, Record<string, unknown>]>([
      ['quantity 0', { quantity: 0 }],
      ['quantity 100', { quantity: 100 }],
      ['a string quantity "3"', { quantity: '3' }],
      ['a fractional quantity', { quantity: 2.5 }],
      ['a missing quantity', {}],
      ['an unknown property', { quantity: 3, unit_price: '0.01' }],
    ])('%s is 400 VALIDATION_ERROR and unchanged', async (_label, body) => {
      const product = await createProduct('1.00', 200);
      const line = await addLine(product.id, 2);
      const before = await cartRow(line.id);
      expectError(await patchLine(line.id, body), 400, 'VALIDATION_ERROR');
      expect(await cartRow(line.id)).toEqual(before);
    });

    it('malformed JSON is 400 VALIDATION_ERROR and unchanged', async () => {
      const product = await createProduct('1.00', 10);
      const line = await addLine(product.id, 2);
      const before = await cartRow(line.id);
      const res = await patchLine(line.id, '{"quantity": 3', { ...alice, 'content-type': 'application/json' });
      expectError(res, 400, 'VALIDATION_ERROR');
      expect(await cartRow(line.id)).toEqual(before);
    });

    it('an unknown line id is 404 CART_ITEM_NOT_FOUND', async () => {
      expectError(await patchLine(randomUUID(), { quantity: 2 }), 404, 'CART_ITEM_NOT_FOUND');
    });

    it('a line id that is not a UUID is 404 CART_ITEM_NOT_FOUND', async () => {
      expectError(await patchLine('not-a-uuid', { quantity: 2 }), 404, 'CART_ITEM_NOT_FOUND');
      expectError(await patchLine('12345', { quantity: 2 }), 404, 'CART_ITEM_NOT_FOUND');
    });

    it("another user's line is 404 CART_ITEM_NOT_FOUND, exactly as if it did not exist, and stays unchanged", async () => {
      const product = await createProduct('1.00', 10);
      const line = await addLine(product.id, 2);
      const before = await cartRow(line.id);
      const stolen = await patchLine(line.id, { quantity: 5 }, bob);
      const missing = await patchLine(randomUUID(), { quantity: 5 }, bob);
      expectError(stolen, 404, 'CART_ITEM_NOT_FOUND');
      expect(stolen.json()).toEqual(missing.json());
      expect(await cartRow(line.id)).toEqual(before);
    });
  });

  describe('DELETE /api/cart/:id', () => {
    it('removes the line: 204 with no body, gone from the database and the cart', async () => {
      const keep = await addLine((await createProduct('1.00')).id, 1);
      const line = await addLine((await createProduct('2.00')).id, 1);
      const res = await deleteLine(line.id);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(await cartRow(line.id)).toBeUndefined();
      expect(await cartRow(keep.id)).toBeDefined();
      expect((await getCart()).json()).toMatchObject({ items: [expect.objectContaining({ id: keep.id })], items_count: 1, total_price: '1.00' });
    });

    it('deleting the same line twice: the second answer is 404 CART_ITEM_NOT_FOUND', async () => {
      const line = await addLine((await createProduct()).id, 1);
      expect((await deleteLine(line.id)).statusCode).toBe(204);
      expectError(await deleteLine(line.id), 404, 'CART_ITEM_NOT_FOUND');
    });

    it("another user's line is 404 CART_ITEM_NOT_FOUND and is still there", async () => {
      const line = await addLine((await createProduct()).id, 3);
      const before = await cartRow(line.id);
      expectError(await deleteLine(line.id, bob), 404, 'CART_ITEM_NOT_FOUND');
      expect(await cartRow(line.id)).toEqual(before);
    });

    it('an unknown or non-UUID line id is 404 CART_ITEM_NOT_FOUND', async () => {
      expectError(await deleteLine(randomUUID()), 404, 'CART_ITEM_NOT_FOUND');
      expectError(await deleteLine('not-a-uuid'), 404, 'CART_ITEM_NOT_FOUND');
    });

    it('after removing a line, adding the product again creates a new line (201)', async () => {
      const product = await createProduct('1.00', 10);
      const line = await addLine(product.id, 4);
      expect((await deleteLine(line.id)).statusCode).toBe(204);
      const again = await addItem({ product_id: product.id });
      expect(again.statusCode).toBe(201);
      expect(again.json()).toMatchObject({ quantity: 1 });
      expect(again.json<CartLineJson>().id).not.toBe(line.id);
    });
  });

  describe('concurrency', () => {
    it('10 concurrent adds of the same product end in exactly one line with quantity 10', async () => {
      const product = await createProduct('1.00', 100);
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => addItem({ product_id: product.id, quantity: 1 })),
      );
      const statuses = responses.map((res) => res.statusCode).sort();
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
      const ids = new Set(responses.map((res) => res.json<CartLineJson>().id));
      expect(ids.size).toBe(1);
      expect(responses.map((res) => res.json<CartLineJson>().quantity).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

      const rows = await cartTable();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ user_id: 'alice', product_id: product.id, quantity: 10 });
      expect((await getCart()).json()).toMatchObject({ items_count: 10, total_price: '10.00' });
    });

    it('10 concurrent adds against a stock of 5: exactly 5 succeed and the line never exceeds the stock', async () => {
      const product = await createProduct('1.00', 5);
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => addItem({ product_id: product.id, quantity: 1 })),
      );
      const statuses = responses.map((res) => res.statusCode);
      expect(statuses.filter((status) => status === 200 || status === 201)).toHaveLength(5);
      expect(statuses.filter((status) => status === 409)).toHaveLength(5);
      for (const res of responses.filter((r) => r.statusCode === 409)) expect(res.json().code).toBe('OUT_OF_STOCK');
      const rows = await cartTable();
      expect(rows).toHaveLength(1);
      expect(rows[0]?.quantity).toBe(5);
    });
  });

  describe('authentication', () => {
    let productId: string;
    let lineId: string;
    beforeEach(async () => {
      productId = (await createProduct('1.00', 10)).id;
      lineId = (await addLine(productId, 2)).id;
    });

    const noToken: Headers = {};
    const now = Math.floor(Date.now() / 1000);
    const badSignature = bearer(mintToken({ sub: 'alice', iat: now, exp: now + 3600 }, { secret: 'another-secret-that-is-at-least-32-bytes' }));
    const unsigned = bearer(mintToken({ sub: 'alice', iat: now, exp: now + 3600 }, { header: { alg: 'none', typ: 'JWT' } }));
    const expired = bearer(tokenFor('alice', undefined, { exp: Math.floor(Date.now() / 1000) - 60 }));

    it.each<[string, Headers]>([
      ['without a token', noToken],
      ['with a badly signed token', badSignature],
      ['with an expired token', expired],
      ['with an alg: none token', unsigned],
      ['with a non-bearer scheme', { authorization: 'Basic YWxpY2U6cGFzcw==' }],
    ])('every cart route answers 401 UNAUTHORIZED %s and nothing changes', async (_label, headers) => {
      const before = await cartTable();
      const answers = [
        await t.app.inject({ method: 'POST', url: '/api/cart', headers, payload: { product_id: productId } }),
        await t.app.inject({ method: 'PATCH', url: `/api/cart/${lineId}`, headers, payload: { quantity: 5 } }),
        await t.app.inject({ method: 'DELETE', url: `/api/cart/${lineId}`, headers }),
        await t.app.inject({ method: 'GET', url: '/api/cart', headers }),
      ];
      for (const res of answers) {
        expectError(res, 401, 'UNAUTHORIZED');
        expect(res.headers['www-authenticate']).toBe('Bearer');
      }
      expect(await cartTable()).toEqual(before);
    });

    it('checks the token before the body: an invalid body without a token is 401, not 400', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/api/cart', payload: { quantity: 'lots' } });
      expectError(res, 401, 'UNAUTHORIZED');
    });
  });
});
