/**
 * What ioredis says when a command cannot reach a Redis that can serve it: down, closed, not connected yet with no
 * offline queue, too slow, or in the middle of a failover (Sentinel or Cluster).
 */
const UNREACHABLE =
  /Stream isn't writeable|Connection is closed|Reached the max retries per request limit|Command timed out|connect ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|All sentinels are unreachable|None of startup nodes is available|Failed to refresh slots cache|Too many Cluster redirections|Cluster isn't ready|^(CLUSTERDOWN|READONLY|LOADING|MASTERDOWN|TRYAGAIN)/;

/** Redis could not be reached for a command: an infrastructure fault (503), not a bug. */
export function isRedisUnavailable(error: unknown): boolean {
  const { name, message, code } = (error ?? {}) as { name?: unknown; message?: unknown; code?: unknown };
  if (name === 'MaxRetriesPerRequestError' || name === 'ClusterAllFailedError') return true;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE)$/.test(code)) return true;
  return typeof message === 'string' && UNREACHABLE.test(message);
}
