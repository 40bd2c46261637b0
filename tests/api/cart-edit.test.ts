import { randomUUID } from 'node:crypto';
import { newUser } from '../support/actors';
import { dbFor } from '../support/db';
import { expectError } from '../support/expectations';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

describe('changing the cart: PATCH and DELETE /api/cart/:id', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { cartRow } = dbFor(t);

  describe('PATCH /api/cart/:id', () => {
    it('sets the quantity: 200 with the line', async () => {
      const alice = newUser('alice');
      const product = await given.product({ price: '3.33', stock: 10, name: 'Triple' });
      const line = await given.cart(alice, product.id, 1);
      const res = await api.patchLine(alice, line.id, { quantity: 3 });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: line.id, product_id: product.id, name: 'Triple', unit_price: '3.33', quantity: 3, line_total: '9.99' });
      expect((await cartRow(line.id))?.quantity).toBe(3);

      const down = await api.patchLine(alice, line.id, { quantity: 1 });
      expect(down.status).toBe(200);
      expect(down.body).toMatchObject({ quantity: 1, line_total: '3.33' });
      expect((await cartRow(line.id))?.quantity).toBe(1);
    });

    it('accepts a quantity equal to the stock', async () => {
      const alice = newUser('alice');
      const product = await given.product({ price: '1.00', stock: 4 });
      const line = await given.cart(alice, product.id, 1);
      const res = await api.patchLine(alice, line.id, { quantity: 4 });
      expect(res.status).toBe(200);
      expect((await cartRow(line.id))?.quantity).toBe(4);
    });

    it('beyond the stock is 409 OUT_OF_STOCK and leaves the line unchanged', async () => {
      const alice = newUser('alice');
      const product = await given.product({ price: '1.00', stock: 4 });
      const line = await given.cart(alice, product.id, 2);
      const before = await cartRow(line.id);
      expectError(await api.patchLine(alice, line.id, { quantity: 5 }), 409, 'OUT_OF_STOCK');
      expect(await cartRow(line.id)).toEqual(before);
    });

    it('a line whose product was deactivated is 404 PRODUCT_NOT_FOUND and unchanged', async () => {
      const alice = newUser('alice');
      const product = await given.product({ price: '1.00', stock: 10 });
      const line = await given.cart(alice, product.id, 2);
      await given.productChanged(product.id, { active: false });
      const before = await cartRow(line.id);
      expectError(await api.patchLine(alice, line.id, { quantity: 3 }), 404, 'PRODUCT_NOT_FOUND');
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
      const alice = newUser('alice');
      const product = await given.product({ price: '1.00', stock: 200 });
      const line = await given.cart(alice, product.id, 2);
      const before = await cartRow(line.id);
      expectError(await api.patchLine(alice, line.id, body), 400, 'VALIDATION_ERROR');
      expect(await cartRow(line.id)).toEqual(before);
    });

    it('malformed JSON is 400 VALIDATION_ERROR and unchanged', async () => {
      const alice = newUser('alice');
      const product = await given.product({ price: '1.00', stock: 10 });
      const line = await given.cart(alice, product.id, 2);
      const before = await cartRow(line.id);
      const res = await t.api.request('PATCH', `/api/cart/${line.id}`, { token: alice.token, raw: '{"quantity": 3' });
      expectError(res, 400, 'VALIDATION_ERROR');
      expect(await cartRow(line.id)).toEqual(before);
    });

    it('an unknown line id is 404 CART_ITEM_NOT_FOUND', async () => {
      const alice = newUser('alice');
      expectError(await api.patchLine(alice, randomUUID(), { quantity: 2 }), 404, 'CART_ITEM_NOT_FOUND');
    });

    it('a line id that is not a UUID is 404 CART_ITEM_NOT_FOUND', async () => {
      const alice = newUser('alice');
      expectError(await api.patchLine(alice, 'not-a-uuid', { quantity: 2 }), 404, 'CART_ITEM_NOT_FOUND');
      expectError(await api.patchLine(alice, '12345', { quantity: 2 }), 404, 'CART_ITEM_NOT_FOUND');
    });

    it("another user's line is 404 CART_ITEM_NOT_FOUND, exactly as if it did not exist, and stays unchanged", async () => {
      const alice = newUser('alice');
      const bob = newUser('bob');
      const product = await given.product({ price: '1.00', stock: 10 });
      const line = await given.cart(alice, product.id, 2);
      const before = await cartRow(line.id);
      const stolen = await api.patchLine(bob, line.id, { quantity: 5 });
      const missing = await api.patchLine(bob, randomUUID(), { quantity: 5 });
      expectError(stolen, 404, 'CART_ITEM_NOT_FOUND');
      expect(stolen.body).toEqual(missing.body);
      expect(await cartRow(line.id)).toEqual(before);
    });
  });

  describe('DELETE /api/cart/:id', () => {
    it('removes the line: 204 with no body, gone from the database and the cart', async () => {
      const alice = newUser('alice');
      const keep = await given.cart(alice, (await given.product({ price: '1.00' })).id, 1);
      const line = await given.cart(alice, (await given.product({ price: '2.00' })).id, 1);
      const res = await api.deleteLine(alice, line.id);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(await cartRow(line.id)).toBeUndefined();
      expect(await cartRow(keep.id)).toBeDefined();
      expect((await api.getCart(alice)).body).toMatchObject({ items: [expect.objectContaining({ id: keep.id })], items_count: 1, total_price: '1.00' });
    });

    it('deleting the same line twice: the second answer is 404 CART_ITEM_NOT_FOUND', async () => {
      const alice = newUser('alice');
      const line = await given.cart(alice, (await given.product()).id, 1);
      expect((await api.deleteLine(alice, line.id)).status).toBe(204);
      expectError(await api.deleteLine(alice, line.id), 404, 'CART_ITEM_NOT_FOUND');
    });

    it("another user's line is 404 CART_ITEM_NOT_FOUND and is still there", async () => {
      const alice = newUser('alice');
      const bob = newUser('bob');
      const line = await given.cart(alice, (await given.product()).id, 3);
      const before = await cartRow(line.id);
      expectError(await api.deleteLine(bob, line.id), 404, 'CART_ITEM_NOT_FOUND');
      expect(await cartRow(line.id)).toEqual(before);
    });

    it('an unknown or non-UUID line id is 404 CART_ITEM_NOT_FOUND', async () => {
      const alice = newUser('alice');
      expectError(await api.deleteLine(alice, randomUUID()), 404, 'CART_ITEM_NOT_FOUND');
      expectError(await api.deleteLine(alice, 'not-a-uuid'), 404, 'CART_ITEM_NOT_FOUND');
    });

    it('after removing a line, adding the product again creates a new line (201)', async () => {
      const alice = newUser('alice');
      const product = await given.product({ price: '1.00', stock: 10 });
      const line = await given.cart(alice, product.id, 4);
      expect((await api.deleteLine(alice, line.id)).status).toBe(204);
      const again = await api.addToCart(alice, { product_id: product.id });
      expect(again.status).toBe(201);
      expect(again.body).toMatchObject({ quantity: 1 });
      expect(again.body.id).not.toBe(line.id);
    });
  });
});
