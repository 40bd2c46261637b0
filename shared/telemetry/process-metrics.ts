import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A registry holding the process's own metrics (`process_*`, `nodejs_*`: CPU,
 * memory, event-loop delay, GC, handles). They belong to the process, not to
 * an app or a worker: prom-client starts an event-loop-delay monitor and a GC
 * observer for them that run until the process exits. So the entry points
 * (`api/main.ts`, `worker/main.ts`) make one and hand it over, and an app or a
 * worker a test builds in-process starts none (each would leave its monitors
 * running, and keep the test's whole module graph alive, after it closed).
 */
export function processMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
