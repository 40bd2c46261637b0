import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../shared/config/load-config';
import { prepareDatabase } from '../shared/db/migrate';
import { SERVICE_NODE_FLAGS, serviceEnv } from '../shared/process/node-flags';

const ROOT = path.resolve(__dirname, '..');

/**
 * `npm start` (compiled, from dist/) and `npm run dev` (from the sources):
 * create and migrate the database once, then run the API and one worker as
 * child processes. Ctrl-C (or SIGTERM) stops both gracefully; if
 * either exits, the other is stopped too.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  await prepareDatabase(config.DATABASE_DIRECT_URL);

  const children = new Set<ChildProcess>();
  let exitCode = 0;
  const stopAll = (signal: NodeJS.Signals) => {
    for (const child of children) child.kill(signal);
  };
  // compiled (dist/, `npm start`): plain node; from the sources (`npm run dev`): through tsx
  const compiled = __filename.endsWith('.js');
  for (const entry of compiled ? ['api/main.js', 'worker/main.js'] : ['api/main.ts', 'worker/main.ts']) {
    const child = spawn(process.execPath, [...(compiled ? SERVICE_NODE_FLAGS : ['--import', 'tsx']), path.join(ROOT, entry)], {
      stdio: 'inherit',
      env: serviceEnv({ ...process.env, MIGRATE_ON_START: 'false' }),
    });
    children.add(child);
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (code !== 0) exitCode = code ?? 1;
      if (children.size > 0) {
        console.error(`${entry} exited (${signal ?? code}); stopping the rest`);
        stopAll('SIGTERM');
      } else {
        process.exit(exitCode);
      }
    });
  }
  process.on('SIGINT', () => stopAll('SIGINT'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));
}

main().catch((error: Error) => {
  console.error(error.name === 'ConfigError' ? error.message : error);
  process.exit(1);
});
