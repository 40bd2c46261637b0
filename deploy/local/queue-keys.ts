import { masterNodes, type RedisClient } from '../../shared/redis/redis-connection';
import { markerKey } from '../../shared/events/stream-publisher';

/**
 * Deletes every Redis key under a prefix, on every master of a Cluster —
 * what a Redis restart without persistence does to it. For tests,
 * benchmarks and tearing down a deployment.
 */
export async function deleteKeysUnder(redis: RedisClient, prefix: string): Promise<number> {
  let deleted = 0;
  for (const node of masterNodes(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 500);
      cursor = next;
      // one key per DEL: keys of different hash slots cannot go in one command on a Cluster node
      if (keys.length > 0) deleted += (await Promise.all(keys.map((key) => node.del(key)))).reduce((sum, n) => sum + n, 0);
    } while (cursor !== '0');
  }
  return deleted;
}

/** Deletes every key of a queue prefix (`<prefix>:…`). */
export function deleteQueueKeys(redis: RedisClient, prefix: string): Promise<number> {
  return deleteKeysUnder(redis, `${prefix}:`);
}

/** A literal for SCAN's MATCH pattern: `{checkout}` must match braces, not be read as a glob. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * Deletes every key one deployment wrote: its queue and rate-limit keys
 * (under the prefix), its ML stream and the relay's marker beside it — what
 * Redis losing its data does to that deployment, leaving others alone.
 */
export async function deleteDeploymentKeys(redis: RedisClient, { prefix, stream }: { prefix: string; stream: string }): Promise<number> {
  const queueKeys = await deleteQueueKeys(redis, prefix);
  // the stream and its marker share a hash slot: one DEL
  return queueKeys + (await redis.del(stream, markerKey(stream)));
}
