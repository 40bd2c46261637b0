import { startTestApp, type TestApp } from '../support/test-app';
import { bearer, tokenFor } from '../support/tokens';

describe('admin stock changes with stock_delta', () => {
  let t: TestApp;
  const admin = bearer(tokenFor('admin-1', 'admin'));
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function product(stock: number): Promise<string> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/admin/products',
      headers: admin,
      payload: { name: 'Stocked', price: '2.00', stock },
    });
    return res.json().id;
  }
  const patch = (id: string, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'PATCH', url: `/api/admin/products/${id}`, headers: admin, payload });
  const stockOf = async (id: string) => (await t.sql<{ stock: number }>('SELECT stock FROM products WHERE id = $1', [id]))[0]!.stock;

  it('adds and takes stock relative to the current value', async () => {
    const id = await product(10);
    expect((await patch(id, { stock_delta: 5 })).json().stock).toBe(15);
    expect((await patch(id, { stock_delta: -15 })).json().stock).toBe(0);
  });

  it('ten concurrent deliveries of one unit each add exactly ten (no lost update)', async () => {
    const id = await product(3);
    const results = await Promise.all(Array.from({ length: 10 }, () => patch(id, { stock_delta: 1 })));
    expect(results.map((res) => res.statusCode)).toEqual(Array(10).fill(200));
    expect(await stockOf(id)).toBe(13);
  });

  it('refuses to take the stock below zero: 409 OUT_OF_STOCK and unchanged', async () => {
    const id = await product(2);
    const res = await patch(id, { stock_delta: -3 });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('OUT_OF_STOCK');
    expect(await stockOf(id)).toBe(2);
  });

  it.each([
    ['both stock and stock_delta', { stock: 1, stock_delta: 1 }],
    ['a string delta', { stock_delta: '1' }],
    ['a fractional delta', { stock_delta: 1.5 }],
  ])('rejects %s with 400 and changes nothing', async (_, payload) => {
    const id = await product(4);
    const res = await patch(id, payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_ERROR');
    expect(await stockOf(id)).toBe(4);
  });
});
