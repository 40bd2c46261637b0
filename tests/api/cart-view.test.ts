import { newUser } from '../support/actors';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

describe('reading the cart: GET /api/cart', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);

  it('an empty cart is items [], items_count 0, total_price "0.00"', async () => {
    const carol = newUser('carol');
    const res = await api.getCart(carol);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], items_count: 0, total_price: '0.00' });
  });

  it('lists the lines with items_count as the sum of quantities and an exact two-place total', async () => {
    const alice = newUser('alice');
    const dime = await given.product({ price: '0.10', stock: 10, name: 'Dime sweet' });
    const book = await given.product({ price: '19.99', stock: 10, name: 'Paperback' });
    const dimeLine = await given.cart(alice, dime.id, 3);
    const bookLine = await given.cart(alice, book.id, 2);

    const res = await api.getCart(alice);
    expect(res.status).toBe(200);
    const cart = res.body;
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
    const alice = newUser('alice');
    for (const price of ['0.10', '0.20', '0.70', '1.15', '4.35']) await given.cart(alice, (await given.product({ price: price })).id, 1);
    const dimes = await given.product({ price: '0.10', stock: 99 });
    await given.cart(alice, dimes.id, 33);
    const cart = (await api.getCart(alice)).body;
    expect(cart.items_count).toBe(38);
    expect(cart.total_price).toBe('9.80');
  });

  it('totals the largest prices at the line limit exactly', async () => {
    const alice = newUser('alice');
    const a = await given.product({ price: '9999999999.99', stock: 500 });
    const b = await given.product({ price: '9999999999.99', stock: 500 });
    await given.cart(alice, a.id, 99);
    await given.cart(alice, b.id, 99);
    const cart = (await api.getCart(alice)).body;
    expect(cart.items.map((line) => line.line_total)).toEqual(['989999999999.01', '989999999999.01']);
    expect(cart.items_count).toBe(198);
    expect(cart.total_price).toBe('1979999999998.02');
  });

  it('prices lines at the current product price and name after an admin change', async () => {
    const alice = newUser('alice');
    const product = await given.product({ price: '5.00', stock: 10, name: 'Old name' });
    const line = await given.cart(alice, product.id, 2);
    expect(line.line_total).toBe('10.00');

    await given.productChanged(product.id, { price: '7.25', name: 'New name' });
    const cart = (await api.getCart(alice)).body;
    expect(cart).toEqual({
      items: [{ id: line.id, product_id: product.id, name: 'New name', unit_price: '7.25', quantity: 2, line_total: '14.50' }],
      items_count: 2,
      total_price: '14.50',
    });
  });

  it('bob never sees alice\'s lines, and alice never sees bob\'s', async () => {
    const alice = newUser('alice');
    const bob = newUser('bob');
    const mine = await given.product({ price: '1.00' });
    const his = await given.product({ price: '2.00' });
    const aliceLine = await given.cart(alice, mine.id, 2);
    expect((await api.getCart(bob)).body).toEqual({ items: [], items_count: 0, total_price: '0.00' });

    const bobLine = await given.cart(bob, his.id, 1);
    const bobCart = (await api.getCart(bob)).body;
    expect(bobCart.items.map((line) => line.id)).toEqual([bobLine.id]);
    expect(bobCart.total_price).toBe('2.00');
    const aliceCart = (await api.getCart(alice)).body;
    expect(aliceCart.items.map((line) => line.id)).toEqual([aliceLine.id]);
    expect(aliceCart.total_price).toBe('2.00');
  });

  it('alice and bob adding the same product get separate lines', async () => {
    const alice = newUser('alice');
    const bob = newUser('bob');
    const product = await given.product({ price: '1.00', stock: 10 });
    const aliceLine = await given.cart(alice, product.id, 1);
    const bobAdd = await api.addToCart(bob, { product_id: product.id, quantity: 2 });
    expect(bobAdd.status).toBe(201);
    expect(bobAdd.body.id).not.toBe(aliceLine.id);
    expect((await api.getCart(alice)).body.items_count).toBe(1);
    expect((await api.getCart(bob)).body.items_count).toBe(2);
  });
});
