import { admin } from '../support/actors';
import { dbFor } from '../support/db';
import { expectError } from '../support/expectations';
import { givenFor } from '../support/given';
import { useTestApp } from '../support/test-app';

const ADMIN = admin('admin-1');
const VALID = { name: 'Widget', price: '9.99', stock: 5 };

describe('products with a 2048-byte body limit', () => {
  const t = useTestApp({ BODY_LIMIT_BYTES: '2048' });
  const given = givenFor(t.api);
  const { countProducts } = dbFor(t);

  /** A valid product body padded with JSON whitespace to exactly `bytes` bytes. */
  const paddedBody = (bytes: number) => {
    const json = JSON.stringify(VALID);
    return `${json.slice(0, -1)}${' '.repeat(bytes - json.length)}}`;
  };
  const send = (method: 'POST' | 'PATCH', url: string, raw: string) =>
    t.api.request(method, url, { token: ADMIN.token, raw });

  it('a body of exactly the limit is accepted', async () => {
    const payload = paddedBody(2048);
    expect(Buffer.byteLength(payload)).toBe(2048);
    expect((await send('POST', '/api/admin/products', payload)).status).toBe(201);
  });

  it('a body one byte over the limit is 413 PAYLOAD_TOO_LARGE and inserts nothing', async () => {
    const before = await countProducts();
    const res = await send('POST', '/api/admin/products', paddedBody(2049));
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(await countProducts()).toBe(before);
  });

  it('an oversized body that is also invalid is 413, not 400: the size is checked before the content', async () => {
    const before = await countProducts();
    const res = await send('POST', '/api/admin/products', JSON.stringify({ name: 'n'.repeat(5000), price: 1 }));
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(await countProducts()).toBe(before);
  });

  it('an oversized PATCH body is 413 and changes nothing', async () => {
    const created = await given.product(VALID);
    const res = await send('PATCH', `/api/admin/products/${created.id}`, JSON.stringify({ name: 'n'.repeat(3000) }));
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    const [row] = await t.sql<{ name: string }>('SELECT name FROM products WHERE id = $1', [created.id]);
    expect(row!.name).toBe(VALID.name);
  });
});
