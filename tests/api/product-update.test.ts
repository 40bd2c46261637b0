import { waitFor } from '../../deploy/local/wait-for';
import type { ProductJson } from '../support/rows';
import { admin } from '../support/actors';
import { dbFor } from '../support/db';
import { expectError, expectProductShape } from '../support/expectations';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

const ADMIN = admin('admin-1');
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('changing a product: PATCH /api/admin/products/:id', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);
  const { productRow } = dbFor(t);

  it.each<[string, Record<string, unknown>, Partial<ProductJson>]>([
    ['name', { name: 'Renamed' }, { name: 'Renamed' }],
    ['price (normalised)', { price: '7' }, { price: '7.00' }],
    ['price with cents', { price: '12.3' }, { price: '12.30' }],
    ['stock (with the stock seen)', { stock: 42, expected_stock: 5 }, { stock: 42 }],
    ['stock to 0', { stock: 0, expected_stock: 5 }, { stock: 0 }],
    ['active', { active: false }, { active: false }],
    ['seller_id', { seller_id: 'seller-9' }, { seller_id: 'seller-9' }],
  ])('changes only the %s: 200 with the whole product, the rest untouched', async (_case, body, expected) => {
    const product = await given.product({ name: 'Original', price: '9.99', stock: 5, seller_id: 'seller-1' });
    const res = await api.patchProduct(ADMIN, product.id, body);
    expect(res.status).toBe(200);
    const updated: ProductJson = res.body;
    expectProductShape(updated);
    expect(updated).toEqual({ ...product, ...expected, updated_at: expect.any(String) });
    const row = await productRow(product.id);
    expect(row).toEqual({
      name: updated.name,
      price: updated.price,
      stock: updated.stock,
      seller_id: updated.seller_id,
      active: updated.active,
    });
  });

  it('sets seller_id back to null', async () => {
    const product = await given.product({ seller_id: 'seller-1' });
    const res = await api.patchProduct(ADMIN, product.id, { seller_id: null });
    expect(res.status).toBe(200);
    expect(res.body.seller_id).toBeNull();
    expect((await productRow(product.id))!.seller_id).toBeNull();
  });

  it('changes several fields at once', async () => {
    const product = await given.product();
    const res = await api.patchProduct(ADMIN, product.id, {
      name: 'Bundle',
      price: '49.5',
      stock: 1,
      expected_stock: product.stock,
      active: false,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ...product,
      name: 'Bundle',
      price: '49.50',
      stock: 1,
      active: false,
      updated_at: expect.any(String),
    });
  });

  it('advances updated_at and keeps created_at', async () => {
    const product = await given.product();
    await waitFor('the clock to pass the product\'s updated_at', async () => Date.now() > Date.parse(product.updated_at), { intervalMs: 1 });
    const updated: ProductJson = (await api.patchProduct(ADMIN, product.id, { stock: 9, expected_stock: product.stock })).body;
    expect(updated.created_at).toBe(product.created_at);
    expect(Date.parse(updated.updated_at)).toBeGreaterThan(Date.parse(product.updated_at));
  });

  it('an empty body is 400 VALIDATION_ERROR and changes nothing', async () => {
    const product = await given.product();
    expectError(await api.patchProduct(ADMIN, product.id, {}), 400, 'VALIDATION_ERROR');
    expect((await api.getProduct(product.id)).body).toEqual(product);
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
    const product = await given.product();
    expectError(await api.patchProduct(ADMIN, product.id, body), 400, 'VALIDATION_ERROR');
    expect((await api.getProduct(product.id)).body).toEqual(product);
  });

  it('a name containing a NUL character is 400 and changes nothing (not stored altered)', async () => {
    const product = await given.product();
    expectError(await api.patchProduct(ADMIN, product.id, { name: 'Wid\u0000get' }), 400, 'VALIDATION_ERROR');
    expect((await productRow(product.id))!.name).toBe(product.name);
  });

  it('malformed JSON is 400', async () => {
    const product = await given.product();
    const res = await t.api.request('PATCH', `/api/admin/products/${product.id}`, {
      token: ADMIN.token,
      raw: '{"stock": ',
    });
    expectError(res, 400, 'VALIDATION_ERROR');
  });

  it('an unknown id is 404 PRODUCT_NOT_FOUND', async () => {
    expectError(await api.patchProduct(ADMIN, UNKNOWN_ID, { stock: 1, expected_stock: 0 }), 404, 'PRODUCT_NOT_FOUND');
    expectError(await api.patchProduct(ADMIN, UNKNOWN_ID, { stock: 1 }), 404, 'PRODUCT_NOT_FOUND');
  });

  it.each([['not-a-uuid'], ['123'], [`${UNKNOWN_ID}0`]])('a non-UUID id (%s) is 404 PRODUCT_NOT_FOUND', async (id) => {
    expectError(await api.patchProduct(ADMIN, id, { stock: 1 }), 404, 'PRODUCT_NOT_FOUND');
  });

  it('deactivating hides the product from the public list and GET /api/products/:id (404); reactivating brings it back', async () => {
    const product = await given.product({ name: 'Seasonal' });
    const listedIds = async () => ((await api.listProducts('?limit=100')).body.products as ProductJson[]).map((p) => p.id);
    expect(await listedIds()).toContain(product.id);

    const off = await api.patchProduct(ADMIN, product.id, { active: false });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect(await listedIds()).not.toContain(product.id);
    expectError(await api.getProduct(product.id), 404, 'PRODUCT_NOT_FOUND');
    // the row is kept (orders refer to it), only hidden
    expect((await productRow(product.id))!.active).toBe(false);

    const on = await api.patchProduct(ADMIN, product.id, { active: true });
    expect(on.status).toBe(200);
    expect(on.body.active).toBe(true);
    expect(await listedIds()).toContain(product.id);
    const back = await api.getProduct(product.id);
    expect(back.status).toBe(200);
    expect(back.body).toEqual(on.body);
  });

  it('an inactive product can still be changed by an admin', async () => {
    const product = await given.product();
    await given.productChanged(product.id, { active: false });
    const res = await api.patchProduct(ADMIN, product.id, { stock: 11, expected_stock: product.stock });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ stock: 11, active: false });
  });
});
