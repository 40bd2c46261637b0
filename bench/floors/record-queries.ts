import pg from 'pg';

/** A statement as a pg client was given it: the name of a prepared statement (if any) and its text. */
export interface RecordedQuery {
  name?: string;
  text: string;
}

/**
 * Runs `work` and records every statement any pg client of this process
 * receives meanwhile (pg.Client.prototype.query, patched for the duration).
 * Nothing else may run queries meanwhile, or they are recorded too.
 */
export async function recordQueries<T>(work: () => Promise<T>): Promise<{ result: T; queries: RecordedQuery[] }> {
  const queries: RecordedQuery[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0] as string | { name?: string; text?: string };
    queries.push(typeof first === 'string' ? { text: first } : { name: first?.name, text: String(first?.text) });
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as unknown as typeof original;
  try {
    return { result: await work(), queries };
  } finally {
    pg.Client.prototype.query = original;
  }
}
