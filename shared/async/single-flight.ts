/**
 * Shares one call among concurrent callers with the same key: while a call
 * for `key` is in flight, later callers get the same promise; once it
 * settles, the next caller starts a new one.
 */
export function singleFlight<K, V>(work: (key: K) => Promise<V>): (key: K) => Promise<V> {
  const inFlight = new Map<K, Promise<V>>();
  return (key) => {
    const running = inFlight.get(key);
    if (running) return running;
    const started = work(key).finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  };
}
