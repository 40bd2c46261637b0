import { startTracing } from '../shared/telemetry/tracing';

// first, before anything else loads: tracing (when configured) instruments the modules loaded after it
startTracing('checkout-worker');
