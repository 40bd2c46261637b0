import { enqueueCheckout } from '../../shared/queue/checkout-queue';
import type { BenchEnvironment } from '../harness/environment';
import { ordersByStatus, untilOrdersFinal } from '../harness/fixtures';

export interface WorkerScalingFigures {
  processes: number;
  orders: number;
  seconds: number;
  placedPerSecond: number;
  statuses: Record<string, number>;
}

/**
 * Placement alone: the pending orders (already accepted) are enqueued on a
 * paused queue, `processes` worker processes with the default settings start,
 * and the clock runs from resuming the queue until every order is final.
 * `env` is laid over the workers' environment.
 */
export async function workerScalingService(
  environment: BenchEnvironment,
  orders: Array<{ orderId: string; userId: string }>,
  processes: number,
  env: Record<string, string> = {},
): Promise<WorkerScalingFigures> {
  await environment.queue.pause();
  await Promise.all(orders.map((order) => enqueueCheckout(environment.queue, { ...order, requestId: `bench-${order.orderId}` })));
  const workers = await environment.startWorkers(processes, env);
  try {
    const start = performance.now();
    await environment.queue.resume();
    const end = await untilOrdersFinal(environment.pool, orders.length, 600_000);
    const seconds = (end - start) / 1000;
    const statuses = await ordersByStatus(environment.pool);
    return {
      processes,
      orders: orders.length,
      seconds: Math.round(seconds * 100) / 100,
      placedPerSecond: Math.round((statuses['placed'] ?? 0) / seconds),
      statuses,
    };
  } finally {
    await environment.stopWorkers(workers);
  }
}
