import { sleep } from './stats';

/**
 * Offers `count` operations at `perSecond`, evenly spaced, whether or not the
 * earlier ones have finished (an open loop: a slow answer does not hold back
 * the next arrival). Each latency is measured from the operation's scheduled
 * start, so a late start counts against it. Resolves once every operation has
 * finished, with the latencies (ms) of those that succeeded and the errors.
 *
 * autocannon's rate limit is not used for this: it sends each connection's
 * quota for a second back to back at the start of the second, i.e. bursts.
 */
export async function runOpenLoop(
  count: number,
  perSecond: number,
  operation: (index: number) => Promise<void>,
): Promise<{ latenciesMs: number[]; errors: string[]; seconds: number }> {
  const intervalMs = 1000 / perSecond;
  const latenciesMs: number[] = [];
  const errors: string[] = [];
  const inFlight: Array<Promise<void>> = [];
  const start = performance.now();
  for (let i = 0; i < count; i += 1) {
    const scheduled = start + i * intervalMs;
    const wait = scheduled - performance.now();
    if (wait > 1) await sleep(wait);
    inFlight.push(
      operation(i).then(
        () => {
          latenciesMs.push(performance.now() - scheduled);
        },
        (error: Error) => {
          errors.push(error.message);
        },
      ),
    );
  }
  await Promise.all(inFlight);
  return { latenciesMs, errors, seconds: (performance.now() - start) / 1000 };
}
