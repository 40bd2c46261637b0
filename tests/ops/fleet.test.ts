import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from '../../deploy/local/wait-for';
import { signToken } from '../../shared/auth/token-verifier';
import { isAlive, type FleetState } from '../../deploy/local/fleet';

jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '../..');

/**
 * `npm run fleet` as an operator runs it: start (HAProxy in front of two API
 * processes, workers, Redis behind Sentinel, PostgreSQL on Patroni behind
 * HAProxy and PgBouncer), check out through it, scale the workers up and
 * down, and stop — every process it started gone, its files removed.
 */
describe('npm run fleet', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'checkout-fleet-test-'));
  const stateFile = path.join(dir, 'fleet.json');
  const fleet = (...args: string[]) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/fleet.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, FLEET_STATE_FILE: stateFile },
      encoding: 'utf8',
      timeout: 180_000,
    });
    if (run.status !== 0) throw new Error(`fleet ${args.join(' ')}: ${run.stdout}${run.stderr}`);
    return run.stdout;
  };
  const state = () => JSON.parse(readFileSync(stateFile, 'utf8')) as FleetState;

  // the fleet runs dist/, as `npm run fleet` (its prefleet step) makes sure it is current
  beforeAll(() => {
    const build = spawnSync(process.execPath, ['scripts/build.js', '--if-stale'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    if (build.status !== 0) throw new Error(`build: ${build.stdout}${build.stderr}`);
  });
  afterAll(() => {
    if (existsSync(stateFile)) fleet('stop');
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts, places an order through HAProxy, scales workers up and down, and stops cleanly', async () => {
    const printed = fleet('start', '--apis', '2', '--workers', '2');
    const running = state();
    expect(printed).toContain(running.urls.api);
    expect(printed).toContain(running.urls.bullBoard);
    expect(running.apis).toHaveLength(2);
    expect(running.workers).toHaveLength(2);

    const send = (method: string, url: string, token: string, body?: unknown) =>
      fetch(`${running.urls.api}${url}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const shopper = signToken({ secret: running.env.JWT_SECRET! }, { sub: 'fleet-shopper' }, '1h');
    const product: any = await (await send('POST', '/api/admin/products', running.adminToken, { name: 'Fleet mug', price: '9.00', stock: 5 })).json();
    expect((await send('POST', '/api/cart', shopper, { product_id: product.id, quantity: 2 })).status).toBe(201);
    const accepted = await send('POST', '/api/checkout', shopper, { contact: 'fleet@example.com', address: '1 Fleet Street' });
    expect(accepted.status).toBe(202);
    const { order_id: orderId } = (await accepted.json()) as any;
    const placed = await waitFor('the order placed', async () => {
      const order: any = await (await send('GET', `/api/orders/${orderId}?wait=5`, shopper)).json();
      return order.status !== 'pending' && order;
    }, { timeoutMs: 30_000 });
    expect(placed.status).toBe('placed');
    expect((await send('GET', '/admin/queues/api/queues', running.adminToken)).status).toBe(200);

    fleet('scale', '4');
    expect(state().workers.filter((worker) => isAlive(worker.pid))).toHaveLength(4);
    const before = state().workers.map((worker) => worker.pid);
    fleet('scale', '1');
    expect(state().workers).toHaveLength(1);
    expect(before.filter((pid) => isAlive(pid))).toHaveLength(1);

    const all = state();
    fleet('stop');
    expect(existsSync(stateFile)).toBe(false);
    const pids = [...all.apis, ...all.workers].map((service) => service.pid).concat(all.topologies.flatMap((record) => record.pids));
    await waitFor('every process of the fleet gone', async () => pids.every((pid) => !isAlive(pid)), { timeoutMs: 30_000, intervalMs: 200 });
    expect(all.topologies.flatMap((record) => record.dirs).filter((directory) => existsSync(directory))).toEqual([]);
  });
});
