import { FastifyOtelInstrumentation } from '@fastify/otel';
import { trace, type Attributes, type Context, type Link, type SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Telemetry } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { SERVICE_VERSION } from '../service-info';

/**
 * The OpenTelemetry SDK, loaded only when tracing is on (tracing.ts): spans of
 * HTTP and Fastify, PostgreSQL, Redis and BullMQ jobs, exported over OTLP/HTTP
 * to OTEL_EXPORTER_OTLP_ENDPOINT; `trace_id` and `span_id` in every log line
 * written inside a span. The SDK reads the standard OTEL_* variables itself
 * (headers, timeouts, batch sizes, resource attributes); metrics and logs go
 * to Prometheus and stdout, not OTLP, unless OTEL_METRICS_EXPORTER or
 * OTEL_LOGS_EXPORTER say otherwise.
 */
export function startSdk(serviceName: string): { shutdown: () => Promise<void>; queueTelemetry: Telemetry } {
  process.env['OTEL_METRICS_EXPORTER'] ??= 'none';
  process.env['OTEL_LOGS_EXPORTER'] ??= 'none';
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: process.env['OTEL_SERVICE_NAME'] ?? serviceName,
      [ATTR_SERVICE_VERSION]: SERVICE_VERSION,
    }),
    traceExporter: new OTLPTraceExporter(),
    sampler: withoutQueueHousekeeping(samplerFromEnv()),
    instrumentations: [
      new HttpInstrumentation(),
      new FastifyOtelInstrumentation({ registerOnInitialization: true }),
      // statements are sent with bind parameters: their text carries no values; only statements of traced work
      // (a request, a job) make spans, not every poll of the relay and the reconciler
      new PgInstrumentation({ ignoreConnectSpans: true, requireParentSpan: true }),
      // the command name only: BullMQ's script arguments carry whole jobs
      new IORedisInstrumentation({ dbStatementSerializer: (command) => command }),
      new PinoInstrumentation({ disableLogSending: true }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown(), queueTelemetry: new BullMQOtel({ tracerName: 'checkout-queue', version: SERVICE_VERSION }) };
}

/** OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG, as the specification defines them (default: parentbased_always_on). */
function samplerFromEnv(): tracing.Sampler {
  const ratio = Number(process.env['OTEL_TRACES_SAMPLER_ARG'] ?? '1');
  const root = new tracing.TraceIdRatioBasedSampler(Number.isFinite(ratio) ? ratio : 1);
  switch (process.env['OTEL_TRACES_SAMPLER'] ?? 'parentbased_always_on') {
    case 'always_on':
      return new tracing.AlwaysOnSampler();
    case 'always_off':
      return new tracing.AlwaysOffSampler();
    case 'traceidratio':
      return root;
    case 'parentbased_always_off':
      return new tracing.ParentBasedSampler({ root: new tracing.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new tracing.ParentBasedSampler({ root });
    default:
      return new tracing.ParentBasedSampler({ root: new tracing.AlwaysOnSampler() });
  }
}

/** BullMQ's workers start a trace of their own for every stalled-jobs check (every few seconds): not sampled. */
const HOUSEKEEPING = /^(startStalledCheckTimer|moveStalledJobsToWait) /;

function withoutQueueHousekeeping(sampler: tracing.Sampler): tracing.Sampler {
  return {
    shouldSample(context: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]) {
      if (!trace.getSpanContext(context) && HOUSEKEEPING.test(name)) return { decision: tracing.SamplingDecision.NOT_RECORD };
      return sampler.shouldSample(context, traceId, name, kind, attributes, links);
    },
    toString: () => `WithoutQueueHousekeeping{${sampler.toString()}}`,
  };
}
