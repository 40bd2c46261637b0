import { admin } from '../support/actors';
import { dbFor } from '../support/db';
import { expectError } from '../support/expectations';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

const ADMIN = admin('admin-1');

describe('admin stock changes with stock_delta', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { stockOf } = dbFor(t);

  const product = async (stock: number) => (await given.product({ name: 'Stocked', price: '2.00', stock })).id;
  const patch = (id: string, body: Record<string, unknown>) => api.patchProduct(ADMIN, id, body);

  it('adds and takes stock relative to the current value', async () => {
    const id = await product(10);
    expect((await patch(id, { stock_delta: 5 })).body.stock).toBe(15);
    expect((await patch(id, { stock_delta: -15 })).body.stock).toBe(0);
  });

  it('ten concurrent deliveries of one unit each add exactly ten (no lost update)', async () => {
    const id = await product(3);
    const results = await Promise.all(Array.from({ length: 10 }, () => patch(id, { stock_delta: 1 })));
    expect(results.map((res) => res.status)).toEqual(Array(10).fill(200));
    expect(await stockOf(id)).toBe(13);
  });

  it('refuses to take the stock below zero: 409 OUT_OF_STOCK and unchanged', async () => {
    const id = await product(2);
    const res = await patch(id, { stock_delta: -3 });
    expectError(res, 409, 'OUT_OF_STOCK');
    expect(await stockOf(id)).toBe(2);
  });

  it.each([
    ['both stock and stock_delta', { stock: 1, stock_delta: 1 }],
    ['a string delta', { stock_delta: '1' }],
    ['a fractional delta', { stock_delta: 1.5 }],
  ])('rejects %s with 400 and changes nothing', async (_, body) => {
    const id = await product(4);
    const res = await patch(id, body);
    expectError(res, 400, 'VALIDATION_ERROR');
    expect(await stockOf(id)).toBe(4);
  });
});

describe('admin absolute stock needs the stock the admin saw', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { stockOf } = dbFor(t);

  it('without expected_stock: 428 PRECONDITION_REQUIRED with the current stock, nothing changed', async () => {
    const { id } = await given.product({ stock: 10 });
    const res = await api.patchProduct(ADMIN, id, { stock: 7 });
    expectError(res, 428, 'PRECONDITION_REQUIRED');
    expect((res.body as unknown as { current_stock: number }).current_stock).toBe(10);
    expect(await stockOf(id)).toBe(10);
  });

  it('a form that read 10, saved after 5 were sold, does not give the 5 back: 409 STOCK_CHANGED', async () => {
    const { id } = await given.product({ stock: 10 });
    await t.sql('UPDATE products SET stock = 5 WHERE id = $1', [id]); // five sold meanwhile
    const res = await api.patchProduct(ADMIN, id, { stock: 12, expected_stock: 10 });
    expectError(res, 409, 'STOCK_CHANGED');
    expect((res.body as unknown as { current_stock: number }).current_stock).toBe(5);
    expect(await stockOf(id)).toBe(5);
    // read again, save again: it applies
    expect((await api.patchProduct(ADMIN, id, { stock: 12, expected_stock: 5 })).body.stock).toBe(12);
  });

  it('of two admins saving over the same reading, one wins and the other gets 409', async () => {
    const { id } = await given.product({ stock: 4 });
    const results = await Promise.all([8, 9].map((stock) => api.patchProduct(ADMIN, id, { stock, expected_stock: 4 })));
    expect(results.map((res) => res.status).sort()).toEqual([200, 409]);
    expect([8, 9]).toContain(await stockOf(id));
  });

  it('expected_stock alone is 400 VALIDATION_ERROR', async () => {
    const { id } = await given.product({ stock: 4 });
    expectError(await api.patchProduct(ADMIN, id, { expected_stock: 4 }), 400, 'VALIDATION_ERROR');
  });
});
