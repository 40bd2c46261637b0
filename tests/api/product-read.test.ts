import { STATUS_CODES } from 'node:http';
import { ERROR_CODES } from '../../shared/errors/error-codes';
import { expectError, expectProductShape } from '../support/expectations';
import { givenFor } from '../support/given';
import type { ErrorJson } from '../support/rows';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('reading one product: GET /api/products/:id', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);

  it('answers an active product in exactly the product shape', async () => {
    const product = await given.product({ name: 'Mug', price: '4.5', stock: 2 });
    const res = await api.getProduct(product.id);
    expect(res.status).toBe(200);
    expectProductShape(res.body);
    expect(res.body).toMatchObject({ id: product.id, name: 'Mug', price: '4.50', stock: 2, seller_id: null, active: true });
  });

  it('needs no token', async () => {
    const product = await given.product();
    const res = await t.api.request('GET', `/api/products/${product.id}`);
    expect(res.status).toBe(200);
  });

  it('an id in upper case names the same product', async () => {
    const product = await given.product();
    const res = await api.getProduct(product.id.toUpperCase());
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(product.id);
  });

  it('an unknown id is 404 PRODUCT_NOT_FOUND', async () => {
    expectError(await api.getProduct(UNKNOWN_ID), 404, 'PRODUCT_NOT_FOUND');
  });

  it.each([['not-a-uuid'], ['123'], ['1%20OR%201%3D1'], [`${UNKNOWN_ID}0`], ['%00']])(
    'a non-UUID id (%s, URL-encoded) is 404 PRODUCT_NOT_FOUND, never 400 or 500',
    async (id) => {
      expectError(await api.getProduct(id), 404, 'PRODUCT_NOT_FOUND');
    },
  );

  it('a non-UUID id longer than 100 characters is 404 PRODUCT_NOT_FOUND like any other non-UUID id', async () => {
    expectError(await api.getProduct('a'.repeat(101)), 404, 'PRODUCT_NOT_FOUND');
  });

  it('an id with broken percent-encoding answers in the contract error shape with a catalogue code', async () => {
    const res = await api.getProduct('%E0%A4%A');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const body = res.body as unknown as ErrorJson;
    expect(Object.keys(ERROR_CODES)).toContain(body.code);
    expect(ERROR_CODES[body.code as keyof typeof ERROR_CODES]).toBe(res.status);
    expect(body).toMatchObject({ statusCode: res.status, error: STATUS_CODES[res.status] });
  });

  it('an inactive product is 404 PRODUCT_NOT_FOUND', async () => {
    const product = await given.product();
    await given.productChanged(product.id, { active: false });
    expectError(await api.getProduct(product.id), 404, 'PRODUCT_NOT_FOUND');
  });
});
