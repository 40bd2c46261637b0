import type { FastifyInstance } from 'fastify';
import { Writable } from 'node:stream';
import { buildApp } from '../../api/app';
import { createDatabase, type Database } from '../../shared/db/database';
import { injectClient } from '../support/api-client';
import { actor } from '../support/actors';
import { givenFor } from '../support/given';
import { testConfig } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';

/** Logs carry no personal data or secrets, also when a database call fails in the middle of a checkout. */
describe('logs without personal data', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: FastifyInstance;
  let db: Database;
  const lines: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const capture = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    app = await buildApp(testConfig(database.url, { LOG_LEVEL: 'info' }), { logger: { stream: capture } });
    await app.ready();
    db = createDatabase({ url: database.url, poolMax: 1 });
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    await database?.drop();
  });

  const SECRET_BITS = {
    user: 'shopper-7c1e9d',
    contact: 'jane.private@example.com',
    address: '42 Hidden Lane, Secretville',
    key: 'idem-key-5b2f7a',
  };

  it.each([
    ['a bug (500)', 'P0001', 500],
    ['a transient fault (503)', '40001', 503],
  ])('a failed statement during checkout logs %s without the contact, address, user id, key, token or SQL', async (_, sqlState, status) => {
    await db.query(`CREATE OR REPLACE FUNCTION refuse_orders() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'orders are refused here' USING ERRCODE = '${sqlState}'; END $$`);
    await db.query(`CREATE OR REPLACE TRIGGER refuse_orders BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION refuse_orders()`);
    const shopper = actor(SECRET_BITS.user);
    const given = givenFor(injectClient(app));
    const { id } = await given.product({ price: '5.00', stock: 5 });
    await given.cart(shopper, id, 1).catch(() => undefined);
    lines.length = 0;

    const res = await injectClient(app).request('POST', '/api/checkout', {
      token: shopper.token,
      body: { contact: SECRET_BITS.contact, address: SECRET_BITS.address },
      headers: { 'idempotency-key': SECRET_BITS.key },
    });

    expect(res.status).toBe(status);
    const logged = lines.join('\n');
    expect(logged).toContain(`"code":"${sqlState}"`);
    for (const [what, value] of Object.entries({ ...SECRET_BITS, token: shopper.token! })) {
      expect({ what, found: logged.includes(value) }).toEqual({ what, found: false });
    }
    expect(logged).not.toMatch(/INSERT INTO|"sql"|"parameters"/);
    await db.query('DROP TRIGGER refuse_orders ON orders');
  });
});
