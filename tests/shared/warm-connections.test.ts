import { createServer, type AddressInfo, type Socket } from 'node:net';
import { QueryTypes } from 'sequelize';
import { freePorts } from '../../deploy/local/free-ports';
import { waitFor } from '../../deploy/local/wait-for';
import { apiWarmUp } from '../../api/plugins/database';
import { createDatabase, openWarmConnections, type Database } from '../../shared/db/database';
import { statement } from '../../shared/db/prepared';
import { createSession } from '../../shared/db/session';
import { FIND_ORDER } from '../../shared/orders/order-repository';
import { workerWarmUp } from '../../worker/start-worker';
import { testConfig } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';

/**
 * A new process opens its pool's first connections at start-up (API and worker), each having planned the process's hot
 * statements, so that its first requests do not: the connections are there afterwards; a PostgreSQL that does not
 * answer delays start-up by the wait at most.
 */
describe('openWarmConnections', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** A pool of its own (seen by its application name), and what openWarmConnections told its log. */
  async function withPool(
    test: (db: Database, sessions: () => Promise<Array<{ state: string; query: string }>>) => Promise<void>,
    { poolMin = 0 } = {},
  ) {
    const applicationName = `warm-connections-${process.pid}`;
    const db = createDatabase({ url: database.url, poolMax: 4, poolMin, applicationName });
    const observer = createDatabase({ url: database.url, poolMax: 1, applicationName: 'warm-connections-observer' });
    try {
      await test(db, () =>
        observer.query<{ state: string; query: string }>('SELECT state, query FROM pg_stat_activity WHERE application_name = $1', {
          type: QueryTypes.SELECT,
          bind: [applicationName],
        }),
      );
    } finally {
      await db.close();
      await observer.close();
    }
  }
  const collecting = (warnings: string[]) => ({ warn: (_object: object, message: string) => warnings.push(message) });

  it('leaves the connections open and idle, each having run the warm-up (its transaction, rolled back, shows last)', async () => {
    await withPool(async (db, sessions) => {
      expect(await sessions()).toEqual([]);
      const warnings: string[] = [];
      expect(await openWarmConnections(db, { connections: 3, statements: [FIND_ORDER], log: collecting(warnings), timeoutMs: 10_000 })).toBe(true);
      expect(warnings).toEqual([]);
      expect(await sessions()).toEqual(Array.from({ length: 3 }, () => ({ state: 'idle', query: 'ROLLBACK' })));
    });
  });

  it('keeps poolMin connections open once the others have closed for idleness (10 s)', async () => {
    await withPool(
      async (db, sessions) => {
        expect(await openWarmConnections(db, { connections: 2, statements: [FIND_ORDER], timeoutMs: 10_000 })).toBe(true);
        // two more, used and given back: the pool closes them after its idle time, and only them
        await Promise.all([1, 2, 3, 4].map(() => db.query('SELECT pg_sleep(0.05)')));
        expect(await sessions()).toHaveLength(4);
        // down to two, and staying there over several readings (~1 s: the pool checks for idle ones every second)
        let readingsAtTwo = 0;
        await waitFor(
          'the pool to close its idle connections down to poolMin and keep those',
          async () => {
            readingsAtTwo = (await sessions()).filter(({ state }) => state === 'idle').length === 2 ? readingsAtTwo + 1 : 0;
            return readingsAtTwo >= 5;
          },
          { timeoutMs: 30_000, intervalMs: 250 },
        );
        expect(await sessions()).toHaveLength(2);
      },
      { poolMin: 2 },
    );
  }, 40_000);

  it('logs a statement it cannot plan and plans the others (a warning each; the others still planned)', async () => {
    await withPool(async (db, sessions) => {
      const warnings: string[] = [];
      const broken = statement('broken', 'SELECT no_such_column FROM orders WHERE id = $1');
      expect(await openWarmConnections(db, { statements: [broken, FIND_ORDER, broken, FIND_ORDER], log: collecting(warnings), timeoutMs: 10_000 })).toBe(true);
      expect(warnings).toEqual(Array.from({ length: 2 }, () => 'PostgreSQL at start-up: a hot statement could not be planned'));
      expect(await sessions()).toEqual([{ state: 'idle', query: 'ROLLBACK' }]);
    });
  });

  it('gives up planning behind a lock (a migration altering a table): nothing is left waiting for it', async () => {
    const locker = createSession(database.url, 'warm-connections-locker');
    await locker.connect();
    try {
      await locker.query('BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE');
      const db = createDatabase({ url: database.url, poolMax: 2 });
      const warnings: string[] = [];
      await openWarmConnections(db, { statements: [FIND_ORDER], log: collecting(warnings), timeoutMs: 500 });
      expect(warnings.length).toBeGreaterThan(0);
      // the pool closes while the lock is still held: the planning gave up rather than wait for it
      await db.close();
      const { rows } = await locker.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'orders'::regclass AND NOT granted`);
      expect(rows[0]!.n).toBe(0);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  }, 20_000);

  it.each([
    ['API', apiWarmUp],
    ['worker', workerWarmUp],
  ])('plans every hot statement of the %s as shipped', async (_process, warmUp) => {
    const shipped = warmUp(testConfig(database.url));
    expect(shipped.statements.length).toBeGreaterThan(0);
    await withPool(async (db, sessions) => {
      const warnings: string[] = [];
      expect(await openWarmConnections(db, { ...shipped, log: collecting(warnings), timeoutMs: 10_000 })).toBe(true);
      expect(warnings).toEqual([]);
      expect(await sessions()).toHaveLength(shipped.connections);
    });
  });

  /** A pool on `port` of this host, and what openWarmConnections told its log. */
  async function firstConnectionTo(port: number, timeoutMs: number) {
    const url = new URL(database.url);
    url.port = String(port);
    const db = createDatabase({ url: url.toString(), poolMax: 1 });
    const warnings: string[] = [];
    const started = performance.now();
    try {
      const opened = await openWarmConnections(db, { timeoutMs, log: collecting(warnings) });
      return { opened, warnings, ms: performance.now() - started };
    } finally {
      await db.close();
    }
  }

  it('gives up after the wait when PostgreSQL accepts the connection but never answers', async () => {
    const silent = createServer(() => undefined);
    const sockets = new Set<Socket>();
    silent.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { opened, warnings, ms } = await firstConnectionTo((silent.address() as AddressInfo).port, 500);
      expect(opened).toBe(false);
      expect(ms).toBeGreaterThanOrEqual(450);
      expect(warnings).toEqual(['PostgreSQL at start-up: no answer within 500 ms; the pool connects on demand']);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('says the connection failed when nothing listens', async () => {
    const [closedPort] = await freePorts(1);
    const { opened, warnings } = await firstConnectionTo(closedPort!, 3_000);
    expect(opened).toBe(false);
    expect(warnings).toEqual(['PostgreSQL at start-up: the connection failed; the pool connects on demand']);
  });
});
