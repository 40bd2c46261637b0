/** Rejects when `work` takes longer than `ms` (the work itself is not cancelled). */
export function withTimeout<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`took longer than ${ms} ms`)), ms);
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
