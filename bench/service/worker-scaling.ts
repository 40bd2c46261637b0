import { enqueueCheckout } from '../../shared/queue/checkout-queue';
import type { BenchEnvironment } from '../harness/environment';
import { postgresCpuSeconds, processesCpuSeconds } from '../harness/cpu';
import { ordersByStatus, untilOrdersFinal } from '../harness/fixtures';
import { round } from '../harness/stats';

export interface WorkerScalingFigures {
  processes: number;
  orders: number;
  seconds: number;
  placedPerSecond: number;
  statuses: Record<string, number>;
  /** CPU spent per placed order, in ms: by PostgreSQL (every backend) and by the worker processes. */
  cpuMsPerOrder: { postgres: number; workers: number };
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
  await Promise.all(orders.map((order) => enqueueCheckout(environment.queue, { data: { ...order, requestId: `bench-${order.orderId}` } })));
  const workers = await environment.startWorkers(processes, env);
  try {
    const pids = workers.map((worker) => worker.child.pid!);
    const cpuBefore = { postgres: postgresCpuSeconds(), workers: processesCpuSeconds(pids) };
    const start = performance.now();
    await environment.queue.resume();
    const end = await untilOrdersFinal(environment.pool, orders.length, 600_000);
    const cpuAfter = { postgres: postgresCpuSeconds(), workers: processesCpuSeconds(pids) };
    const seconds = (end - start) / 1000;
    const statuses = await ordersByStatus(environment.pool);
    return {
      processes,
      orders: orders.length,
      seconds: Math.round(seconds * 100) / 100,
      placedPerSecond: Math.round((statuses['placed'] ?? 0) / seconds),
      statuses,
      cpuMsPerOrder: {
        postgres: round(((cpuAfter.postgres - cpuBefore.postgres) * 1000) / orders.length, 2),
        workers: round(((cpuAfter.workers - cpuBefore.workers) * 1000) / orders.length, 2),
      },
    };
  } finally {
    await environment.stopWorkers(workers);
  }
}
