import { QueryTypes } from 'sequelize';
import { createDatabase, type Database } from '../../shared/db/database';
import { rows, statement } from '../../shared/db/prepared';
import { inTransaction } from '../../shared/db/transaction';
import { createTestDatabase } from '../support/test-database';

/**
 * inTransaction sends BEGIN without waiting for its answer (the first
 * statement follows it on the pipelined connection): these pin down that the
 * first statement, prepared or not, still runs inside the transaction.
 */
describe('inTransaction', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  const TX_ID = statement('test_tx_id', 'SELECT txid_current()::text AS id, now()::text AS at');
  const INSERT_PRODUCT = statement(
    'test_insert_product',
    `INSERT INTO products (name, price, stock, seller_id) VALUES ($1, 1, 1, 'seller-tx') RETURNING id`,
  );

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDatabase({ url: database.url, poolMax: 2, applicationName: 'transaction-test' });
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  const countNamed = async (name: string) =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM products WHERE name = $1', { type: QueryTypes.SELECT, bind: [name] }))[0]!.n;

  it('runs the first prepared statement and the rest in one transaction', async () => {
    const seen = await inTransaction(db, async (tx) => {
      const [first] = await rows<{ id: string; at: string }>(tx, TX_ID, []);
      const [second] = await db.query<{ id: string; at: string }>('SELECT txid_current()::text AS id, now()::text AS at', {
        type: QueryTypes.SELECT,
        transaction: tx.transaction,
      });
      return { first, second };
    });
    expect(seen.second).toEqual(seen.first);
  });

  it('rolls back the first statement when the work throws', async () => {
    await expect(
      inTransaction(db, async (tx) => {
        await rows(tx, INSERT_PRODUCT, ['rolled-back-prepared']);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await countNamed('rolled-back-prepared')).toBe(0);
  });

  it('rolls back a first statement that is not prepared, and commits what a returning work wrote', async () => {
    await expect(
      inTransaction(db, async (tx) => {
        await db.query(`INSERT INTO products (name, price, stock, seller_id) VALUES ('rolled-back-plain', 1, 1, 's')`, {
          transaction: tx.transaction,
        });
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await countNamed('rolled-back-plain')).toBe(0);

    await inTransaction(db, (tx) => rows(tx, INSERT_PRODUCT, ['committed']));
    expect(await countNamed('committed')).toBe(1);
  });

  it('leaves the connection clean after a failed statement: the next transaction works', async () => {
    for (let i = 0; i < 3; i += 1) {
      await expect(inTransaction(db, (tx) => rows(tx, INSERT_PRODUCT, [null]))).rejects.toThrow();
    }
    await inTransaction(db, (tx) => rows(tx, INSERT_PRODUCT, ['after-failures']));
    expect(await countNamed('after-failures')).toBe(1);
  });

  it('commits a work that sent no statement', async () => {
    await expect(inTransaction(db, async () => 'nothing')).resolves.toBe('nothing');
  });
});
