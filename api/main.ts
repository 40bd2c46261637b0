import { loadConfig } from '../shared/config/load-config';
import { prepareDatabase } from '../shared/db/migrate';
import { runMain, stopOnSignals } from '../shared/process/shutdown';
import { buildApp } from './app';

const SHUTDOWN_TIMEOUT_MS = 10_000;

/** The API process: migrate (if configured), listen, and close cleanly on SIGTERM/SIGINT. */
runMain(async () => {
  const config = loadConfig();
  if (config.MIGRATE_ON_START) await prepareDatabase(config.DATABASE_DIRECT_URL);

  const app = await buildApp(config);
  stopOnSignals(() => app.close(), { log: app.log, timeoutMs: SHUTDOWN_TIMEOUT_MS });
  await app.listen({ port: config.PORT, host: config.HOST });
});
