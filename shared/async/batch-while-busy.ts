/** How far a batcher may go: batches running at once, and keys per batch. */
export interface BatchLimits {
  maxInFlight: number;
  maxBatch: number;
}

interface Call<K, V> {
  key: K;
  resolve: (value: V) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers concurrent calls into batches while the work is busy: a call starts
 * a batch of its own at once when fewer than `maxInFlight` batches run;
 * otherwise it waits for the next batch to end and goes, with every call that
 * arrived meanwhile (up to `maxBatch`), into the one that starts then. So an
 * idle service answers each call alone and at once, and a busy one makes a
 * round trip per batch, not per call. Every batch starts after its calls
 * arrived, so no call sees a state older than its own arrival.
 *
 * `load` answers the keys of a batch in order, one value per key; when it
 * throws, every call of the batch gets the error.
 */
export function batchWhileBusy<K, V>(load: (keys: K[]) => Promise<V[]>, { maxInFlight, maxBatch }: BatchLimits): (key: K) => Promise<V> {
  const waiting: Array<Call<K, V>> = [];
  let running = 0;

  const start = () => {
    while (running < maxInFlight && waiting.length > 0) {
      const batch = waiting.splice(0, maxBatch);
      running += 1;
      load(batch.map((call) => call.key))
        .then(
          (values) => batch.forEach((call, i) => call.resolve(values[i]!)),
          (error: unknown) => batch.forEach((call) => call.reject(error)),
        )
        .finally(() => {
          running -= 1;
          start();
        });
    }
  };

  return (key) =>
    new Promise<V>((resolve, reject) => {
      waiting.push({ key, resolve, reject });
      start();
    });
}

/**
 * `batchWhileBusy` for work that may fail as a whole: a batch goes to `together`; when that throws, each of its
 * keys goes to `alone`, so one bad key never fails the others — each call gets its own value, or its own error.
 */
export function batchWithFallback<K, V>(
  together: (keys: K[]) => Promise<Array<PromiseSettledResult<V>>>,
  alone: (key: K) => Promise<V>,
  limits: BatchLimits,
): (key: K) => Promise<V> {
  const run = batchWhileBusy(async (keys: K[]): Promise<Array<PromiseSettledResult<V>>> => {
    if (keys.length > 1) {
      try {
        return await together(keys);
      } catch {
        // each key again on its own below: the errors that matter are those of the keys alone
      }
    }
    return Promise.allSettled(keys.map(alone));
  }, limits);
  return async (key) => {
    const settled = await run(key);
    if (settled.status === 'rejected') throw settled.reason;
    return settled.value;
  };
}
