import './start-tracing';
import { loadConfig } from '../shared/config/load-config';
import { createLogger } from '../shared/logging/logger';
import { runMain, stopOnSignals } from '../shared/process/shutdown';
import { processMetricsRegistry } from '../shared/telemetry/process-metrics';
import { stopTracing } from '../shared/telemetry/tracing';
import { startWorker } from './start-worker';

/** A worker process: one worker, stopped gracefully on SIGTERM/SIGINT (jobs in flight finish first). */
runMain(async () => {
  const config = loadConfig();
  const log = createLogger(config, 'checkout-worker');
  const worker = await startWorker(config, log, { processMetrics: processMetricsRegistry() });
  stopOnSignals(
    async () => {
      await worker.stop();
      await stopTracing();
    },
    { log, timeoutMs: config.WORKER_SHUTDOWN_TIMEOUT_MS },
  );
});
