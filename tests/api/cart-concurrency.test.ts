import { newUser } from '../support/actors';
import { dbFor } from '../support/db';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

describe('concurrent adds to one cart', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { cartOf } = dbFor(t);

  it('10 concurrent adds of the same product end in exactly one line with quantity 10', async () => {
    const alice = newUser('alice');
    const product = await given.product({ price: '1.00', stock: 100 });
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => api.addToCart(alice, { product_id: product.id, quantity: 1 })),
    );
    const statuses = responses.map((res) => res.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const ids = new Set(responses.map((res) => res.body.id));
    expect(ids.size).toBe(1);
    expect(responses.map((res) => res.body.quantity).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    const rows = await cartOf(alice.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ user_id: alice.id, product_id: product.id, quantity: 10 });
    expect((await api.getCart(alice)).body).toMatchObject({ items_count: 10, total_price: '10.00' });
  });

  it('10 concurrent adds against a stock of 5: exactly 5 succeed and the line never exceeds the stock', async () => {
    const alice = newUser('alice');
    const product = await given.product({ price: '1.00', stock: 5 });
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => api.addToCart(alice, { product_id: product.id, quantity: 1 })),
    );
    const statuses = responses.map((res) => res.status);
    expect(statuses.filter((status) => status === 200 || status === 201)).toHaveLength(5);
    expect(statuses.filter((status) => status === 409)).toHaveLength(5);
    for (const res of responses.filter((r) => r.status === 409)) expect(res.body).toMatchObject({ code: 'OUT_OF_STOCK' });
    const rows = await cartOf(alice.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.quantity).toBe(5);
  });
});
