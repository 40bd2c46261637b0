import { createDatabase, type Database } from '../../shared/db/database';
import {
  isCheckViolation,
  isConnectionLost,
  isNumericOutOfRange,
  isTransientDatabaseError,
  isUniqueViolation,
} from '../../shared/db/sql-errors';
import { createSession } from '../../shared/db/session';
import { createTestDatabase } from '../support/test-database';

/** Every classification is checked against an error the real driver raised, not a hand-made object. */
describe('sql-errors: what a driver error means', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDatabase({ url: database.url, poolMax: 3, applicationName: 'sql-errors-test' });
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  const failure = (work: () => Promise<unknown>) => work().then(
    () => {
      throw new Error('expected the statement to fail');
    },
    (error: unknown) => error,
  );

  it('a CHECK constraint is a check violation, and nothing else', async () => {
    const error = await failure(() => db.query(`INSERT INTO products (name, price, stock) VALUES ('x', 1, -1)`));
    expect([isCheckViolation(error), isUniqueViolation(error), isConnectionLost(error), isTransientDatabaseError(error)]).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });

  it('a duplicate key is a unique violation', async () => {
    const id = '00000000-0000-4000-8000-0000000000aa';
    await db.query(`INSERT INTO products (id, name, price, stock) VALUES ($1, 'x', 1, 1)`, { bind: [id] });
    const error = await failure(() => db.query(`INSERT INTO products (id, name, price, stock) VALUES ($1, 'x', 1, 1)`, { bind: [id] }));
    expect(isUniqueViolation(error)).toBe(true);
    expect(isTransientDatabaseError(error)).toBe(false);
  });

  it('a number beyond its column is out of range', async () => {
    const error = await failure(() => db.query(`SELECT 2147483647::int + 1`));
    expect(isNumericOutOfRange(error)).toBe(true);
  });

  it('a statement timeout is transient, not a lost connection', async () => {
    const error = await failure(() =>
      db.transaction(async (transaction) => {
        await db.query(`SET LOCAL statement_timeout = 50`, { transaction });
        await db.query(`SELECT pg_sleep(5)`, { transaction });
      }),
    );
    expect(isTransientDatabaseError(error)).toBe(true);
    expect(isConnectionLost(error)).toBe(false);
  });

  it('a write refused by a read-only server (a node mid-failover) is transient, not a lost connection', async () => {
    // a standby refuses a write with 25006, as a read-only transaction does
    const error = await failure(() =>
      db.transaction(async (transaction) => {
        await db.query('SET TRANSACTION READ ONLY', { transaction });
        await db.query(`INSERT INTO products (name, price, stock) VALUES ('x', 1, 1)`, { transaction });
      }),
    );
    expect((error as { original?: { code?: string } }).original?.code).toBe('25006');
    expect(isTransientDatabaseError(error)).toBe(true);
    expect(isConnectionLost(error)).toBe(false);
  });

  it('a backend terminated under a query is a lost connection', async () => {
    const killer = createSession(database.url, 'sql-errors-killer');
    await killer.connect();
    try {
      const error = await failure(() =>
        db.transaction(async (transaction) => {
          const [rows] = await db.query(`SELECT pg_backend_pid() AS pid`, { transaction });
          const { pid } = (rows as Array<{ pid: number }>)[0]!;
          await killer.query('SELECT pg_terminate_backend($1)', [pid]);
          await db.query('SELECT 1', { transaction });
        }),
      );
      expect(isConnectionLost(error)).toBe(true);
      expect(isTransientDatabaseError(error)).toBe(true);
    } finally {
      await killer.end();
    }
  });

  it.each([
    ['a host that does not resolve', 'postgres://postgres@no-such-host.invalid:5432/x'],
    ['a port nobody listens on', 'postgres://postgres@127.0.0.1:1/x'],
  ])('%s is a lost connection', async (_what, url) => {
    const unreachable = createDatabase({ url, poolMax: 1 });
    try {
      const error = await failure(() => unreachable.query('SELECT 1'));
      expect(isConnectionLost(error)).toBe(true);
      expect(isTransientDatabaseError(error)).toBe(true);
    } finally {
      await unreachable.close();
    }
  });
});
