import { createServer, type AddressInfo, type Socket } from 'node:net';
import { QueryTypes } from 'sequelize';
import { freePorts } from '../../deploy/local/free-ports';
import { createDatabase, openFirstConnection } from '../../shared/db/database';
import { createTestDatabase } from '../support/test-database';

/**
 * A new process opens its pool's first connection at start-up (API and worker), so that its first request does not:
 * the connection is there afterwards; a PostgreSQL that does not answer delays start-up by the wait at most.
 */
describe('openFirstConnection', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('leaves an open connection of the pool behind', async () => {
    const applicationName = `first-connection-${process.pid}`;
    const db = createDatabase({ url: database.url, poolMax: 2, applicationName });
    const observer = createDatabase({ url: database.url, poolMax: 1, applicationName: 'first-connection-observer' });
    try {
      const connections = async () =>
        (
          await observer.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', {
            type: QueryTypes.SELECT,
            bind: [applicationName],
          })
        )[0]!.n;
      expect(await connections()).toBe(0);

      expect(await openFirstConnection(db, { timeoutMs: 5_000 })).toBe(true);
      expect(await connections()).toBe(1);
    } finally {
      await db.close();
      await observer.close();
    }
  });

  /** A pool on `port` of this host, and what openFirstConnection told its log. */
  async function firstConnectionTo(port: number, timeoutMs: number) {
    const url = new URL(database.url);
    url.port = String(port);
    const db = createDatabase({ url: url.toString(), poolMax: 1 });
    const warnings: string[] = [];
    const started = performance.now();
    try {
      const opened = await openFirstConnection(db, { timeoutMs, log: { warn: (_object, message) => warnings.push(message) } });
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
