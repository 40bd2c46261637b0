/** What a process logs while it stops (pino's Logger fits, and so does Fastify's). */
interface ShutdownLog {
  info: (object: object, message: string) => void;
  error: (object: object, message: string) => void;
}

/**
 * Stops the process cleanly on the first SIGTERM or SIGINT: runs `stop`,
 * then exits 0; exits 1 when `stop` fails or takes longer than `timeoutMs`.
 * Later signals are ignored while stopping.
 */
export function stopOnSignals(stop: () => Promise<void>, { log, timeoutMs }: { log: ShutdownLog; timeoutMs: number }): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error({ timeout_ms: timeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs).unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * Runs a process's `main`; if it fails, prints why (a configuration error as
 * its one-line message, anything else in full) and exits 1.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: Error) => {
    console.error(error.name === 'ConfigError' ? error.message : error);
    process.exit(1);
  });
}
