import { randomUUID } from 'node:crypto';
import { newUser, type Actor } from '../support/actors';
import { dbFor } from '../support/db';
import { expectError, UUID } from '../support/expectations';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

describe('adding to the cart: POST /api/cart', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { cartOf, cartRow } = dbFor(t);

  it('creates a line: 201 with exactly the contract line shape', async () => {
    const user = newUser();
    const product = await given.product({ price: '19.99', stock: 10, name: 'Blue mug' });
    const res = await api.addToCart(user, { product_id: product.id, quantity: 2 });
    expect(res.status).toBe(201);
    const line = res.body;
    expect(line).toEqual({
      id: expect.stringMatching(UUID),
      product_id: product.id,
      name: 'Blue mug',
      unit_price: '19.99',
      quantity: 2,
      line_total: '39.98',
    });
    expect(Object.keys(line).sort()).toEqual(['id', 'line_total', 'name', 'product_id', 'quantity', 'unit_price']);
    expect(await cartOf(user.id)).toEqual([
      { id: line.id, user_id: user.id, product_id: product.id, quantity: 2, updated_at: expect.any(Date) },
    ]);
  });

  it('quantity defaults to 1', async () => {
    const user = newUser();
    const product = await given.product({ price: '5.50' });
    const res = await api.addToCart(user, { product_id: product.id });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ product_id: product.id, quantity: 1, unit_price: '5.50', line_total: '5.50' });
    expect((await cartRow(res.body.id))?.quantity).toBe(1);
  });

  it('re-adding the same product merges into the same line: 200, same id, quantities summed', async () => {
    const user = newUser();
    const product = await given.product({ price: '2.50', stock: 20 });
    const first = await api.addToCart(user, { product_id: product.id, quantity: 2 });
    expect(first.status).toBe(201);
    const second = await api.addToCart(user, { product_id: product.id, quantity: 3 });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({
      id: first.body.id,
      product_id: product.id,
      name: product.name,
      unit_price: '2.50',
      quantity: 5,
      line_total: '12.50',
    });
    const third = await api.addToCart(user, { product_id: product.id });
    expect(third.status).toBe(200);
    expect(third.body).toMatchObject({ id: first.body.id, quantity: 6 });
    const rows = await cartOf(user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: first.body.id, quantity: 6 });
  });

  it('different products get different lines', async () => {
    const user = newUser();
    const a = await given.product();
    const b = await given.product();
    const lineA = await given.cart(user, a.id);
    const lineB = await given.cart(user, b.id);
    expect(lineA.id).not.toBe(lineB.id);
    expect(await cartOf(user.id)).toHaveLength(2);
  });

  it('accepts a quantity equal to the stock, and a merge that reaches the stock exactly', async () => {
    const user = newUser();
    const product = await given.product({ price: '1.00', stock: 5 });
    expect((await api.addToCart(user, { product_id: product.id, quantity: 3 })).status).toBe(201);
    const merged = await api.addToCart(user, { product_id: product.id, quantity: 2 });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ quantity: 5 });
  });

  it('a quantity beyond the stock is 409 OUT_OF_STOCK and creates no line', async () => {
    const user = newUser();
    const product = await given.product({ price: '1.00', stock: 3 });
    const res = await api.addToCart(user, { product_id: product.id, quantity: 4 });
    expectError(res, 409, 'OUT_OF_STOCK');
    expect(await cartOf(user.id)).toEqual([]);
  });

  it('a product with no stock is 409 OUT_OF_STOCK', async () => {
    const user = newUser();
    const product = await given.product({ price: '1.00', stock: 0 });
    expectError(await api.addToCart(user, { product_id: product.id }), 409, 'OUT_OF_STOCK');
    expect(await cartOf(user.id)).toEqual([]);
  });

  it('a merge beyond the stock is 409 OUT_OF_STOCK and leaves the line unchanged', async () => {
    const user = newUser();
    const product = await given.product({ price: '1.00', stock: 3 });
    const line = await given.cart(user, product.id, 2);
    const before = await cartOf(user.id);
    const res = await api.addToCart(user, { product_id: product.id, quantity: 2 });
    expectError(res, 409, 'OUT_OF_STOCK');
    expect(await cartOf(user.id)).toEqual(before);
    expect((await cartRow(line.id))?.quantity).toBe(2);
  });

  it('a merge beyond 99 units is 422 CART_LINE_LIMIT and leaves the line unchanged', async () => {
    const user = newUser();
    const product = await given.product({ price: '1.00', stock: 1000 });
    const line = await given.cart(user, product.id, 60);
    const before = await cartOf(user.id);
    expectError(await api.addToCart(user, { product_id: product.id, quantity: 40 }), 422, 'CART_LINE_LIMIT');
    expect(await cartOf(user.id)).toEqual(before);

    const full = await api.addToCart(user, { product_id: product.id, quantity: 39 });
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({ id: line.id, quantity: 99 });
    const atLimit = await cartOf(user.id);
    expectError(await api.addToCart(user, { product_id: product.id }), 422, 'CART_LINE_LIMIT');
    expect(await cartOf(user.id)).toEqual(atLimit);
    expect((await cartRow(line.id))?.quantity).toBe(99);
  });

  it('an unknown product is 404 PRODUCT_NOT_FOUND', async () => {
    const user = newUser();
    expectError(await api.addToCart(user, { product_id: randomUUID() }), 404, 'PRODUCT_NOT_FOUND');
    expect(await cartOf(user.id)).toEqual([]);
  });

  it('an inactive product is 404 PRODUCT_NOT_FOUND', async () => {
    const user = newUser();
    const product = await given.product({ price: '3.00', stock: 10 });
    await given.productChanged(product.id, { active: false });
    expectError(await api.addToCart(user, { product_id: product.id }), 404, 'PRODUCT_NOT_FOUND');
    expect(await cartOf(user.id)).toEqual([]);
  });

  it('a product_id that is not a UUID is 400 VALIDATION_ERROR', async () => {
    const user = newUser();
    expectError(await api.addToCart(user, { product_id: 'not-a-uuid' }), 400, 'VALIDATION_ERROR');
    expect(await cartOf(user.id)).toEqual([]);
  });

  it('a product_id in urn:uuid: form is a client error, never a 500', async () => {
    const user = newUser();
    const product = await given.product();
    const res = await api.addToCart(user, { product_id: `urn:uuid:${product.id}` });
    expectError(res, 400, 'VALIDATION_ERROR');
    expect(await cartOf(user.id)).toEqual([]);
  });

  it('an upper-case spelling of a product id merges into the same line and answers the canonical product_id', async () => {
    const user = newUser();
    const product = await given.product({ price: '1.00', stock: 10 });
    const line = await given.cart(user, product.id, 1);
    const res = await api.addToCart(user, { product_id: product.id.toUpperCase() });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...line, quantity: 2, line_total: '2.00' });
    expect(await cartOf(user.id)).toHaveLength(1);
  });

  describe('rejects a bad body with 400 VALIDATION_ERROR and changes nothing', () => {
    let user: Actor;
    let productId: string;
    beforeEach(async () => {
      user = newUser();
      productId = (await given.product({ price: '1.00', stock: 50 })).id;
      await given.cart(user, productId, 2);
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
      const before = await cartOf(user.id);
      expectError(await api.addToCart(user, body()), 400, 'VALIDATION_ERROR');
      expect(await cartOf(user.id)).toEqual(before);
    });

    it.each<[string, () => string]>([
      ['malformed JSON', () => `{"product_id": "${productId}", "quantity": `],
      ['trailing garbage after JSON', () => `{"product_id": "${productId}"} x`],
      ['a JSON array', () => `[{"product_id": "${productId}"}]`],
      ['a JSON string', () => `"${productId}"`],
      ['a __proto__ key', () => `{"product_id": "${productId}", "__proto__": {"quantity": 5}}`],
      ['an empty body', () => ''],
    ])('%s', async (_label, raw) => {
      const before = await cartOf(user.id);
      const res = await t.api.request('POST', '/api/cart', { token: user.token, raw: raw() });
      expectError(res, 400, 'VALIDATION_ERROR');
      expect(await cartOf(user.id)).toEqual(before);
    });

    it('no body at all', async () => {
      const before = await cartOf(user.id);
      expectError(await t.api.request('POST', '/api/cart', { token: user.token }), 400, 'VALIDATION_ERROR');
      expect(await cartOf(user.id)).toEqual(before);
    });

    it('a body over the size cap is 413 PAYLOAD_TOO_LARGE', async () => {
      const before = await cartOf(user.id);
      const res = await api.addToCart(user, { product_id: productId, padding: 'x'.repeat(t.config.BODY_LIMIT_BYTES) });
      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
      expect(await cartOf(user.id)).toEqual(before);
    });
  });
});
