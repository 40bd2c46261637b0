import autocannon from 'autocannon';
import { round, type LatencySummary, type Throughput } from '../harness/stats';

/** One request of a closed-loop run: method, path, token and body, made fresh for request number `index`. */
export type RequestFor = (index: number) => { method: 'GET' | 'POST'; path: string; token: string; body?: unknown; headers?: Record<string, string> };

/**
 * autocannon against the API: `connections` keep-alive connections, each
 * sending its next request as soon as the last one was answered (a closed
 * loop), either `amount` requests in all or for `durationMs`.
 */
export async function closedLoop(
  baseUrl: string,
  { connections, amount, durationMs, requestFor }: { connections: number; amount?: number; durationMs?: number; requestFor: RequestFor },
): Promise<Throughput & { statuses: Record<string, number> }> {
  let next = 0;
  const start = performance.now();
  const result = await autocannon({
    url: baseUrl,
    connections,
    ...(amount !== undefined ? { amount } : { duration: (durationMs ?? 1_000) / 1000 }),
    timeout: 30,
    // autocannon ends a run at its next sample tick: with the default 1 s, a run of `amount` requests that took
    // 5.02 s was timed as 6 s (throughput understated by up to a sixth); ticks every 10 ms time it to 10 ms
    sampleInt: 10,
    requests: [
      {
        setupRequest: (request) => {
          const { method, path, token, body, headers } = requestFor(next++);
          return {
            ...request,
            method,
            path,
            headers: {
              ...headers,
              authorization: `Bearer ${token}`,
              ...(body !== undefined && { 'content-type': 'application/json' }),
            },
            ...(body !== undefined && { body: JSON.stringify(body) }),
          };
        },
      },
    ],
  });
  const seconds = (performance.now() - start) / 1000;
  const answered = result.requests.total;
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count ?? 0]));
  const latency: LatencySummary = {
    count: answered,
    p50: round(result.latency.p50, 1),
    p99: round(result.latency.p99, 1),
    max: round(result.latency.max, 1),
  };
  return {
    operations: answered,
    seconds: round(seconds, 2),
    perSecond: round(answered / seconds),
    errors: result.non2xx + result.errors + result.timeouts,
    latency,
    statuses,
  };
}
