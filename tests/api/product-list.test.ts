import { waitFor } from '../../deploy/local/wait-for';
import type { ProductJson } from '../support/rows';
import { expectError, expectProductShape } from '../support/expectations';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useTestApp } from '../support/test-app';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const encodeCursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('the catalogue: GET /api/products', () => {
  const t = useTestApp();
  const api = routesFor(t.api);
  const given = givenFor(t.api);

  beforeEach(async () => {
    await t.sql('TRUNCATE products CASCADE');
  });

  /** Creates `n` products through the API, each in a later millisecond than the one before, so that each has its own created_at. */
  async function createInOrder(n: number): Promise<ProductJson[]> {
    const created: ProductJson[] = [];
    for (let i = 1; i <= n; i += 1) {
      created.push(await given.product({ name: `Product ${i}` }));
      const last = created.at(-1)!;
      await waitFor('a later millisecond', async () => Date.now() > Date.parse(last.created_at), { intervalMs: 1 });
    }
    return created;
  }

  /** Follows next_cursor from the first page to the last; returns the pages. */
  async function walk(limit: number): Promise<ProductJson[][]> {
    const pages: ProductJson[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await api.listProducts(query);
      expect(res.status).toBe(200);
      const body: { products: ProductJson[]; next_cursor: string | null } = res.body;
      expect(Object.keys(body).sort()).toEqual(['next_cursor', 'products']);
      pages.push(body.products);
      cursor = body.next_cursor;
      if (pages.length > 50) throw new Error('pagination does not end');
    } while (cursor !== null);
    return pages;
  }

  it('an empty catalogue is an empty page with next_cursor null', async () => {
    const res = await api.listProducts();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ products: [], next_cursor: null });
  });

  it('lists only active products, each in exactly the product shape', async () => {
    const [first, second, third] = await createInOrder(3);
    await given.productChanged(second!.id, { active: false });
    await t.sql("INSERT INTO products (name, price, stock, active) VALUES ('Hidden', 1, 1, false)");
    const res = await api.listProducts();
    expect(res.status).toBe(200);
    const body = res.body;
    expect(body.next_cursor).toBeNull();
    expect(body.products.map((p: ProductJson) => p.id)).toEqual([first!.id, third!.id]);
    for (const product of body.products) {
      expectProductShape(product);
      expect(product.active).toBe(true);
    }
    expect(body.products[0]).toEqual(first);
  });

  it('needs no token', async () => {
    await createInOrder(1);
    expect((await t.api.request('GET', '/api/products')).status).toBe(200);
  });

  it('limit=2 over 5 products walks all of them exactly once, in created order, and ends with next_cursor null', async () => {
    const created = await createInOrder(5);
    const pages = await walk(2);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    const seen = pages.flat().map((p) => p.id);
    expect(seen).toEqual(created.map((p) => p.id));
    expect(new Set(seen).size).toBe(5);
  });

  it('a limit equal to the number of products is one page with next_cursor null (no empty extra page)', async () => {
    await createInOrder(3);
    const res = await api.listProducts('?limit=3');
    expect(res.body.products).toHaveLength(3);
    expect(res.body.next_cursor).toBeNull();
  });

  it('products created in the same millisecond are neither skipped nor repeated across pages', async () => {
    const rows = await t.sql<{ id: string }>(
      `INSERT INTO products (name, price, stock, created_at, updated_at)
       SELECT 'Tie ' || g, 1, 1, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z' FROM generate_series(1, 5) AS g
       RETURNING id`,
    );
    const pages = await walk(2);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat().map((p) => p.id)).toEqual(rows.map((r) => r.id).sort());
  });

  it('a cursor stays valid when its last product is deactivated before the next page is read', async () => {
    const created = await createInOrder(5);
    const first = (await api.listProducts('?limit=2')).body;
    await given.productChanged(first.products[1]!.id, { active: false });
    const rest = await api.listProducts(`?limit=10&cursor=${encodeURIComponent(first.next_cursor!)}`);
    expect(rest.status).toBe(200);
    expect(rest.body.products.map((p: ProductJson) => p.id)).toEqual(created.slice(2).map((p) => p.id));
    expect(rest.body.next_cursor).toBeNull();
  });

  it('the default limit is 20', async () => {
    await t.sql(
      "INSERT INTO products (name, price, stock, created_at) SELECT 'P' || g, 1, 1, now() + g * interval '1 ms' FROM generate_series(1, 21) AS g",
    );
    const res = await api.listProducts();
    expect(res.body.products).toHaveLength(20);
    expect(res.body.next_cursor).toEqual(expect.any(String));
  });

  it('limit=1 and limit=100 are accepted', async () => {
    await createInOrder(2);
    expect((await api.listProducts('?limit=1')).body.products).toHaveLength(1);
    expect((await api.listProducts('?limit=100')).body.products).toHaveLength(2);
  });

  it.each([['0'], ['101'], ['abc'], ['-1'], ['1.5'], ['']])('limit=%p is 400 VALIDATION_ERROR', async (limit) => {
    expectError(await api.listProducts(`?limit=${limit}`), 400, 'VALIDATION_ERROR');
  });

  it.each<[string, string]>([
    ['not base64 at all', '!!!!'],
    ['a word', 'garbage'],
    ['base64 of text', Buffer.from('not json').toString('base64url')],
    ['JSON null', encodeCursor(null)],
    ['a JSON array', encodeCursor([])],
    ['an empty object', encodeCursor({})],
    ['an id that is not a UUID', encodeCursor({ t: '2024-01-01T00:00:00.000Z', id: 'nope' })],
    ['a time that is not a date', encodeCursor({ t: 'yesterday', id: UNKNOWN_ID })],
    ['a time that is a number', encodeCursor({ t: 1_700_000_000_000, id: UNKNOWN_ID })],
    ['an injected id', encodeCursor({ t: '2024-01-01T00:00:00.000Z', id: "x' OR '1'='1" })],
    ['501 characters', 'a'.repeat(501)],
  ])('a garbage cursor (%s) is 400 VALIDATION_ERROR, never 500', async (_case, cursor) => {
    await createInOrder(1);
    expectError(await api.listProducts(`?cursor=${encodeURIComponent(cursor)}`), 400, 'VALIDATION_ERROR');
  });

  it('an empty cursor is 400 VALIDATION_ERROR', async () => {
    expectError(await api.listProducts('?cursor='), 400, 'VALIDATION_ERROR');
  });

  it('a cursor whose time PostgreSQL cannot represent (year -10000) is 400 VALIDATION_ERROR, never 500', async () => {
    await createInOrder(1);
    const cursor = encodeCursor({ t: '-010000-01-01T00:00:00.000Z', id: UNKNOWN_ID });
    expectError(await api.listProducts(`?cursor=${cursor}`), 400, 'VALIDATION_ERROR');
  });
});
