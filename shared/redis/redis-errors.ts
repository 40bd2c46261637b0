/** What ioredis says when a command cannot reach Redis (down, closed, or not connected yet with no offline queue). */
const UNREACHABLE = /Stream isn't writeable|Connection is closed|Reached the max retries per request limit|connect ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN/;

/** Redis could not be reached for a command: an infrastructure fault (503), not a bug. */
export function isRedisUnavailable(error: unknown): boolean {
  const { name, message, code } = (error ?? {}) as { name?: unknown; message?: unknown; code?: unknown };
  if (name === 'MaxRetriesPerRequestError') return true;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE)$/.test(code)) return true;
  return typeof message === 'string' && UNREACHABLE.test(message);
}
