/** Latency percentiles of one measurement, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of already sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(latenciesMs: number[]): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50), 1),
    p99: round(percentile(sorted, 99), 1),
    max: round(sorted[sorted.length - 1] ?? Number.NaN, 1),
  };
}

export function round(value: number, digits = 0): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `callers` loops at once, each taking the next of `count` jobs until none is left. */
export async function runCallers(count: number, callers: number, job: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(callers, count) }, async () => {
      while (next < count) await job(next++);
    }),
  );
}

/** Runs `callers` loops until `untilMs` (performance.now()), each calling `job` again and again; returns how many ran. */
export async function runCallersFor(untilMs: number, callers: number, job: (index: number) => Promise<void>): Promise<number> {
  let next = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < untilMs) await job(next++);
    }),
  );
  return next;
}

/** A FIFO of work handed from producers to consumers (the floors' stand-in for the queue). */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private readonly takers: Array<(item: T | undefined) => void> = [];
  private closed = false;

  push(item: T): void {
    const taker = this.takers.shift();
    if (taker) taker(item);
    else this.items.push(item);
  }

  /** No more items will come: waiting takers get undefined. */
  close(): void {
    this.closed = true;
    for (const taker of this.takers.splice(0)) taker(undefined);
  }

  take(): Promise<T | undefined> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.takers.push(resolve));
  }

  /** The next item and up to `max - 1` more already waiting (a group); empty once closed and drained. */
  async takeUpTo(max: number): Promise<T[]> {
    const first = await this.take();
    if (first === undefined) return [];
    return [first, ...this.items.splice(0, max - 1)];
  }
}

/** A throughput measurement: operations done, over how long, and their latency. */
export interface Throughput {
  operations: number;
  seconds: number;
  perSecond: number;
  /** Operations that failed (non-2xx answers, errors). */
  errors: number;
  latency: LatencySummary;
}

export function throughput(operations: number, seconds: number, errors: number, latenciesMs: number[]): Throughput {
  return { operations, seconds: round(seconds, 2), perSecond: round(operations / seconds), errors, latency: summarize(latenciesMs) };
}

/**
 * One measurement's calls, from its creation on: `time` runs a call and keeps
 * its latency, or counts it as an error when it throws; `throughput` sums up.
 */
export class CallTimer {
  private readonly latencies: number[] = [];
  private errors = 0;
  private readonly start = performance.now();

  async time(work: () => Promise<unknown>): Promise<void> {
    const began = performance.now();
    try {
      await work();
      this.latencies.push(performance.now() - began);
    } catch {
      this.errors += 1;
    }
  }

  throughput(operations: number): Throughput {
    return throughput(operations, (performance.now() - this.start) / 1000, this.errors, this.latencies);
  }
}

/** Times `work` with performance.now(); resolves with its result and the seconds it took. */
export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const start = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - start) / 1000 };
}
