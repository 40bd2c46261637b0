import type * as OpenTelemetryApi from '@opentelemetry/api';
import type { Telemetry } from 'bullmq';
import type * as TracingSdk from './tracing-sdk';

/**
 * Tracing, opt-in by OpenTelemetry's own variables: on when an OTLP endpoint
 * is set (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
 * and `OTEL_SDK_DISABLED` is not `true`. Off, nothing of OpenTelemetry is
 * loaded: every function here is a plain call. On, `startTracing` (the first
 * thing a process does, before the modules it instruments load) starts the
 * SDK (tracing-sdk.ts) and the functions below reach it through
 * `@opentelemetry/api`.
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const endpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  return Boolean(endpoint) && env['OTEL_SDK_DISABLED'] !== 'true' && env['OTEL_TRACES_EXPORTER'] !== 'none';
}

/**
 * OpenTelemetry's standard variables that tracing here answers to, described once for docs/configuration.md's
 * table (the SDK reads and checks them itself: they are not in the configuration schema).
 */
export const TRACING_SETTINGS = [
  {
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    whenUnset: 'no tracing: nothing of OpenTelemetry is loaded',
    description:
      'an OTLP/HTTP collector (e.g. `http://otel-collector:4318`): traces of every request and job (see [traces](operating.md#traces)); ' +
      '`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` for traces alone',
  },
  { name: 'OTEL_SERVICE_NAME', whenUnset: '`checkout-api` / `checkout-worker`', description: "the processes' name in traces" },
  {
    name: 'OTEL_TRACES_SAMPLER',
    whenUnset: '`parentbased_always_on`',
    description: "which traces are kept: `parentbased_traceidratio` with `OTEL_TRACES_SAMPLER_ARG`; a caller's sampled `traceparent` is followed",
  },
  {
    name: 'OTEL_TRACES_SAMPLER_ARG',
    whenUnset: '`1`',
    description: "the sampler's ratio (`0.1`: one in ten new traces)",
  },
] as const;

type Api = typeof OpenTelemetryApi;
type Sdk = typeof TracingSdk;

let api: Api | undefined;
let sdk: ReturnType<Sdk['startSdk']> | undefined;

/** Starts tracing when it is configured; `serviceName` unless OTEL_SERVICE_NAME names the process. */
export function startTracing(serviceName: string): void {
  if (sdk || !tracingEnabled()) return;
  // loaded only now: off, not one OpenTelemetry module is required
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  sdk = (require('./tracing-sdk') as Sdk).startSdk(serviceName);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  api = require('@opentelemetry/api') as Api;
}

/** Sends the spans not yet exported and stops the SDK (at shutdown, after the process's own work has stopped). */
export async function stopTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  api = undefined;
  await running?.shutdown();
}

/** BullMQ's telemetry (bullmq-otel) for queues and workers, so that a job continues its producer's trace; off: undefined. */
export function queueTelemetry(): Telemetry | undefined {
  return sdk?.queueTelemetry;
}

/** The W3C `traceparent` of the active span (kept with an order and its events), or null. */
export function activeTraceparent(): string | null {
  if (!api) return null;
  const carrier: Record<string, string> = {};
  api.propagation.inject(api.context.active(), carrier);
  return carrier['traceparent'] ?? null;
}

/** Runs `work` as a child of the span a stored `traceparent` names (the reconciler re-enqueueing an order continues its trace). */
export function withTraceparent<T>(traceparent: string | null, work: () => T): T {
  if (!api || !traceparent) return work();
  return api.context.with(api.propagation.extract(api.ROOT_CONTEXT, { traceparent }), work);
}

/**
 * Runs `work` in a span of its own, a child of the active span, linked to the
 * spans `traceparents` name (the other orders of a group: one transaction
 * serves several traces).
 */
export async function inSpan<T>(name: string, traceparents: Array<string | null>, attributes: Record<string, string | number>, work: () => Promise<T>): Promise<T> {
  if (!api) return work();
  const { trace, propagation, ROOT_CONTEXT, SpanStatusCode } = api;
  const links = traceparents.flatMap((traceparent) => {
    const context = traceparent ? trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent })) : undefined;
    return context ? [{ context }] : [];
  });
  return trace.getTracer('checkout').startActiveSpan(name, { links, attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Records a span that has already happened (from `startedAt`, epoch ms, to
 * now) as a child of the span a stored `traceparent` names: the relay's
 * publish of an event joins the trace of the change that wrote it.
 */
export function recordSpan(name: string, traceparent: string | null, startedAt: number, attributes: Record<string, string | number>): void {
  if (!api || !traceparent) return;
  const parent = api.propagation.extract(api.ROOT_CONTEXT, { traceparent });
  api.trace.getTracer('checkout').startSpan(name, { startTime: startedAt, kind: api.SpanKind.PRODUCER, attributes }, parent).end();
}
