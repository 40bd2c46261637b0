import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { waitFor } from '../../deploy/local/wait-for';
import { SERVICE_NODE_FLAGS } from '../../shared/process/node-flags';
import { enqueueCheckout } from '../../shared/queue/checkout-queue';
import type { BenchEnvironment } from '../harness/environment';
import { countFinalOrders } from '../harness/fixtures';

export interface ColdStartFigures {
  /** From spawning a worker process (a job already waiting) until its order was final. */
  workerMsToFirstJob: number;
  /** From spawning an API process until GET / answered 200. */
  apiMsToFirstAnswer: number;
  /** From spawning `node` with the same flags until it exited: what any Node process costs to start. */
  nodeMsToExit: number;
}

/**
 * What an autoscaler adding a process, or a supervisor restarting one, waits
 * for: a worker spawned while a job waits, timed until the order is final; an
 * API spawned and timed until it answers. Both as `npm run start:*` runs them
 * (the build is current: no compile). Beside them, a bare `node` start.
 */
export async function coldStart(environment: BenchEnvironment, order: { orderId: string; userId: string }): Promise<ColdStartFigures> {
  await enqueueCheckout(environment.queue, { data: { ...order, requestId: `bench-cold-${order.orderId}` } });
  const finalBefore = await countFinalOrders(environment.pool);
  let started = performance.now();
  const worker = environment.spawnCold('worker');
  await waitFor('the cold worker to place its first order', async () => (await countFinalOrders(environment.pool)) > finalBefore, {
    timeoutMs: 60_000,
    intervalMs: 5,
  });
  const workerMsToFirstJob = performance.now() - started;

  const port = await freePort();
  started = performance.now();
  const api = environment.spawnCold('api', { PORT: String(port), HOST: '127.0.0.1' });
  await waitFor('the cold API to answer', () => fetch(`http://127.0.0.1:${port}/`).then((response) => response.ok, () => false), {
    timeoutMs: 60_000,
    intervalMs: 5,
  });
  const apiMsToFirstAnswer = performance.now() - started;
  await environment.stopWorkers([worker, api]);

  started = performance.now();
  await new Promise<void>((resolve, reject) =>
    spawn(process.execPath, [...SERVICE_NODE_FLAGS, '-e', '0']).once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`node exited ${code}`)))),
  );
  const nodeMsToExit = performance.now() - started;
  return { workerMsToFirstJob: Math.round(workerMsToFirstJob), apiMsToFirstAnswer: Math.round(apiMsToFirstAnswer), nodeMsToExit: Math.round(nodeMsToExit) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
