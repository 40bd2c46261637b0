import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { daemonsOutliveThisProcess } from '../deploy/local/daemon';
import { isAlive, scaleWorkers, startFleet, stopFleet, type FleetState } from '../deploy/local/fleet';

/**
 * `npm run fleet` — a whole fleet on this machine (see deploy/local/fleet.ts), left running:
 *   npm run fleet [-- start --apis 2 --workers 3]   start it and print its addresses
 *   npm run fleet -- status                          what runs, and where
 *   npm run fleet -- scale 6                         run 6 workers (stopping ones drain first)
 *   npm run fleet -- stop                            stop everything it started, by PID
 */
/** Where the running fleet is written down (FLEET_STATE_FILE to keep two apart). */
const STATE_FILE = process.env.FLEET_STATE_FILE ?? path.join(tmpdir(), 'checkout-fleet.json');

function readState(): FleetState {
  if (!existsSync(STATE_FILE)) throw new Error(`no fleet is running (no ${STATE_FILE}); start one with npm run fleet`);
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as FleetState;
}

function describe(state: FleetState): string {
  const alive = (pid: number) => (isAlive(pid) ? 'up' : 'DOWN');
  return [
    `checkout fleet, started ${state.startedAt}`,
    '',
    `  API (HAProxy, round robin)   ${state.urls.api}`,
    ...state.apis.map((api) => `    ${api.name.padEnd(26)} http://127.0.0.1:${api.port}  pid ${api.pid} ${alive(api.pid)}`),
    `  Bull Board                   ${state.urls.bullBoard}  (user ${state.bullBoard.user}, password ${state.bullBoard.password})`,
    `  admin token (1 day)          ${state.adminToken}`,
    `  workers                      ${state.workers.length}`,
    ...state.workers.map((worker) => `    ${worker.name.padEnd(26)} http://127.0.0.1:${worker.port}/metrics  pid ${worker.pid} ${alive(worker.pid)}`),
    `  PostgreSQL primary (HAProxy) ${state.urls.postgresPrimary}`,
    `  PgBouncer                    ${state.urls.pgbouncer}`,
    `  Redis sentinels              ${state.urls.redisSentinels} (master group ${state.env.REDIS_SENTINEL_NAME})`,
    `  logs                         ${state.logDir}`,
    '',
    'npm run fleet -- scale <n>    npm run fleet -- status    npm run fleet -- stop',
  ].join('\n');
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { apis: { type: 'string', default: '2' }, workers: { type: 'string', default: '3' } },
  });
  const [command = 'start', argument] = positionals;
  switch (command) {
    case 'start': {
      if (existsSync(STATE_FILE)) throw new Error(`a fleet is already running (${STATE_FILE}): npm run fleet -- stop first`);
      daemonsOutliveThisProcess();
      const state = await startFleet({ apis: Number(values.apis), workers: Number(values.workers), log: (message) => console.log(`… ${message}`) });
      writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
      console.log(`\n${describe(state)}`);
      return;
    }
    case 'status':
      console.log(describe(readState()));
      return;
    case 'scale': {
      const state = readState();
      const count = Number(argument);
      if (!Number.isInteger(count) || count < 0) throw new Error('usage: npm run fleet -- scale <number of workers>');
      daemonsOutliveThisProcess();
      await scaleWorkers(state, count);
      writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
      console.log(describe(state));
      return;
    }
    case 'stop': {
      await stopFleet(readState());
      rmSync(STATE_FILE, { force: true });
      console.log('fleet stopped');
      return;
    }
    default:
      throw new Error(`unknown command ${command}: start, status, scale <n> or stop`);
  }
}

main().then(
  // the fixtures' own connections would keep this process alive; the fleet runs on without it
  () => process.exit(0),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
