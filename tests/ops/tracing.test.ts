import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '../../deploy/local/wait-for';
import { actor } from '../support/actors';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { createCheckoutQueue } from '../../shared/queue/checkout-queue';
import { startStack, type Stack } from '../support/stack';

jest.setTimeout(120_000);

/** A span as the OTLP/HTTP exporter sends it (JSON), with its process's service.name. */
interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  links?: Array<{ traceId: string; spanId: string }>;
}

const KIND = { server: 2, producer: 4, consumer: 5 };

/** An OTLP/HTTP receiver (what a collector listens on): keeps every span POSTed to /v1/traces. */
async function startReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; close: () => Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const { resourceSpans } = JSON.parse(body) as {
          resourceSpans: Array<{
            resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
            scopeSpans: Array<{ spans: Array<Omit<ReceivedSpan, 'service'>> }>;
          }>;
        };
        for (const { resource, scopeSpans } of resourceSpans) {
          const service = resource.attributes.find((attribute) => attribute.key === 'service.name')?.value.stringValue ?? '';
          for (const scope of scopeSpans) for (const span of scope.spans) spans.push({ ...span, service });
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spans, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('traces, with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let stack: Stack;
  const api = routesFor(() => stack.api);
  const given = givenFor(() => stack.api);

  beforeAll(async () => {
    receiver = await startReceiver();
    stack = await startStack({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      LOG_LEVEL: 'info',
      // a pending order with no job is re-enqueued within a second
      RECONCILE_AFTER_MS: '500',
      RECONCILER_INTERVAL_MS: '200',
    });
    await stack.startWorker();
  });
  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
  });

  it('one checkout is one trace across the API and the worker: request, accept, job, placement and its statements, the publish of order.placed', async () => {
    const shopper = actor('traced-shopper');
    const product = await given.product({ stock: 5 });
    await given.cart(shopper, product.id);
    const accepted = await api.checkout(shopper, { contact: 'trace@example.com', address: '1 Span Street' });
    expect(accepted.status).toBe(202);
    const orderId = accepted.body.order_id as string;

    const request = await waitFor('the checkout request span', async () =>
      receiver.spans.find((span) => span.service === 'checkout-api' && span.kind === KIND.server && span.name === 'POST /api/checkout'),
    );
    const trace = () => receiver.spans.filter((span) => span.traceId === request.traceId);
    const named = (name: string) => trace().find((span) => span.name === name);
    const publish = await waitFor('the publish of order.placed in the same trace', async () => named('publish order.placed'), { timeoutMs: 30_000 }).catch((error: Error) => {
      throw new Error(`${error.message}; spans: ${receiver.spans.map((span) => `${span.service} ${span.traceId.slice(0, 6)} ${span.name}`).join(', ')}`);
    });

    const byId = new Map(trace().map((span) => [span.spanId, span]));
    /** The span's ancestors' names, nearest first, as far as this trace has them. */
    const ancestors = (span: ReceivedSpan): string[] => {
      const names: string[] = [];
      for (let parent = byId.get(span.parentSpanId ?? ''); parent; parent = byId.get(parent.parentSpanId ?? '')) names.push(parent.name);
      return names;
    };

    const accept = named('accept checkouts')!;
    expect(accept.service).toBe('checkout-api');
    expect(ancestors(accept)).toContain(request.name);
    const produce = trace().find((span) => span.kind === KIND.producer && span.service === 'checkout-api')!;
    expect(ancestors(produce)).toContain(request.name);
    // the job carries its own checkout's context (jobs added together in one addBulk each keep theirs)
    const consume = trace().find((span) => span.kind === KIND.consumer && span.service === 'checkout-worker')!;
    expect(ancestors(consume)).toContain(request.name);
    const place = named('place orders')!;
    expect(place.service).toBe('checkout-worker');
    expect(ancestors(place)).toContain(consume.name);
    const statements = trace().filter((span) => span.name.startsWith('pg.query') && byId.get(span.parentSpanId ?? '') === place);
    expect(statements.length).toBeGreaterThanOrEqual(4);
    expect(publish.service).toBe('checkout-worker');
    expect(ancestors(publish)).toContain(request.name);

    // the ML stream entry carries the trace beside the (unchanged) envelope
    const entries = await stack.redis.xrange(stack.env['ML_EVENTS_STREAM']!, '-', '+');
    const placed = entries.find(([, fields]) => fields[1] === 'order.placed' && fields[3]!.includes(orderId))!;
    expect(placed[1].slice(4)).toEqual(['traceparent', expect.stringMatching(new RegExp(`^00-${request.traceId}-[0-9a-f]{16}-01$`))]);

    // log lines written inside the trace carry its id
    // (the worker writes its log asynchronously: the line may still be on its way)
    const workerLine = await stack.workers[0]!.waitForLine(new RegExp(`"order_id":"${orderId}".*"msg":"order placed"`));
    expect(JSON.parse(workerLine)).toMatchObject({ trace_id: request.traceId });
  });

  it("the reconciler's re-enqueue of an order whose job was lost continues the checkout's trace", async () => {
    const shopper = actor('traced-after-loss');
    const product = await given.product({ stock: 5 });
    await given.cart(shopper, product.id);
    const queue = createCheckoutQueue(stack.redis, stack.env['QUEUE_PREFIX']!);
    try {
      await queue.pause();
      const accepted = await api.checkout(shopper, { contact: 'lost@example.com', address: '2 Span Street' });
      const orderId = accepted.body.order_id as string;
      // the job is lost (as when Redis loses data): only the reconciler can give the order a job now
      await waitFor('the job', async () => (await queue.getJob(orderId)) ?? null);
      await queue.remove(orderId);
      await queue.resume();
      await stack.waitUntilNoPending();

      const [order] = await stack.sql<{ traceparent: string }>('SELECT traceparent FROM orders WHERE id = $1', [orderId]);
      const traceId = order!.traceparent.split('-')[1];
      const consumed = await waitFor('the re-enqueued job in the checkout\'s trace', async () =>
        receiver.spans.find((span) => span.traceId === traceId && span.kind === KIND.consumer && span.service === 'checkout-worker'),
      );
      const placed = await waitFor('its placement', async () => receiver.spans.find((span) => span.traceId === traceId && span.name === 'place orders'));
      expect(placed.parentSpanId).toBe(consumed.spanId);
      expect(receiver.spans.some((span) => span.traceId === traceId && span.name === 'POST /api/checkout')).toBe(true);
      expect(stack.workers[0]!.lines.some((line) => line.includes('"requeued":1') && line.includes('reconciler acted'))).toBe(true);
    } finally {
      await queue.close();
    }
  });
});

describe('traces, with no OTLP endpoint set', () => {
  // prom-client loads @opentelemetry/api, the no-op facade, for its exemplars: nothing else may load
  it('load no OpenTelemetry SDK, exporter or instrumentation', async () => {
    const root = path.resolve(__dirname, '../..');
    const script = `require('./shared/telemetry/tracing').startTracing('checkout-api'); require('./api/app'); require('./worker/start-worker');
      console.log(Object.keys(require.cache).filter((file) => (file.includes('@opentelemetry/') && !file.includes('@opentelemetry/api/')) || file.includes('otel')).length)`;
    const env = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' };
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, env });
    expect(stdout.trim()).toBe('0');
  });
});
