import type { BenchEnvironment } from '../harness/environment';
import type { Throughput } from '../harness/stats';
import { closedLoop, type RequestFor } from './load';

/** GET /api/orders/:id by each order's owner, `connections` at once, for `durationMs` (after `warmupMs` not counted). */
export async function orderPollService(
  environment: BenchEnvironment,
  orders: Array<{ id: string; userId: string }>,
  { connections, durationMs, warmupMs, url = environment.baseUrl }: { connections: number; durationMs: number; warmupMs: number; url?: string },
): Promise<Throughput & { statuses: Record<string, number> }> {
  for (const { userId } of orders) environment.token(userId);
  const requestFor: RequestFor = (i) => {
    const order = orders[i % orders.length]!;
    return { method: 'GET', path: `/api/orders/${order.id}`, token: environment.token(order.userId) };
  };
  await closedLoop(url, { connections, durationMs: warmupMs, requestFor });
  return closedLoop(url, { connections, durationMs, requestFor });
}
