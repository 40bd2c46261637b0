import { loadConfig } from '../shared/config/load-config';
import { prepareDatabase } from '../shared/db/migrate';
import { buildApp } from './app';

const SHUTDOWN_TIMEOUT_MS = 10_000;

/** The API process: migrate (if configured), listen, and close cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (config.MIGRATE_ON_START) await prepareDatabase(config.DATABASE_URL);

  const app = await buildApp(config);
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      app.log.info({ signal }, 'shutting down');
      setTimeout(() => {
        app.log.error('shutdown timed out');
        process.exit(1);
      }, SHUTDOWN_TIMEOUT_MS).unref();
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          app.log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  await app.listen({ port: config.PORT, host: config.HOST });
}

main().catch((error: Error) => {
  console.error(error.name === 'ConfigError' ? error.message : error);
  process.exit(1);
});
