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
