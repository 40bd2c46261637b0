/** What `withTimeout` rejects with. */
export class TimedOut extends Error {
  constructor(readonly ms: number) {
    super(`took longer than ${ms} ms`);
    this.name = 'TimedOut';
  }
}

/** Rejects (with TimedOut) when `work` takes longer than `ms` (the work itself is not cancelled). */
export function withTimeout<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(ms)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** A dependency check for health endpoints: 'ok' when `check` settles in time, else 'error'. */
export function probe(check: () => Promise<unknown>, ms = 2_000): Promise<'ok' | 'error'> {
  return withTimeout(ms, check()).then(
    () => 'ok' as const,
    () => 'error' as const,
  );
}
