import './start-tracing';
import { loadConfig } from '../shared/config/load-config';
import { prepareDatabase } from '../shared/db/migrate';
import { runMain, stopOnSignals } from '../shared/process/shutdown';
import { processMetricsRegistry } from '../shared/telemetry/process-metrics';
import { stopTracing } from '../shared/telemetry/tracing';
import { API_SHUTDOWN_TIMEOUT_MS, buildApp } from './app';

/** The API process: migrate (if configured), listen, and close cleanly on SIGTERM/SIGINT. */
runMain(async () => {
  const config = loadConfig();
  if (config.MIGRATE_ON_START) await prepareDatabase(config.DATABASE_DIRECT_URL);

  const app = await buildApp(config, { processMetrics: processMetricsRegistry() });
  stopOnSignals(
    async () => {
      await app.close();
      await stopTracing();
    },
    { log: app.log, timeoutMs: API_SHUTDOWN_TIMEOUT_MS },
  );
  await app.listen({ port: config.PORT, host: config.HOST });
});
