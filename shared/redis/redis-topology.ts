/** A server address. */
export interface HostPort {
  host: string;
  port: number;
}

/** The Redis the service runs on: one server, a Sentinel-watched master group, or a Cluster. */
export type RedisTopology =
  | { kind: 'server'; url: string; password?: string }
  | { kind: 'sentinel'; sentinels: HostPort[]; name: string; password?: string; sentinelPassword?: string }
  | { kind: 'cluster'; nodes: HostPort[]; password?: string };

/** The REDIS_* settings as the environment gives them. */
export interface RedisSettings {
  REDIS_URL?: string;
  REDIS_SENTINELS?: string;
  REDIS_SENTINEL_NAME?: string;
  REDIS_SENTINEL_PASSWORD?: string;
  REDIS_CLUSTER_NODES?: string;
  REDIS_PASSWORD?: string;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const ALTERNATIVES = ['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'] as const;

/** A setting that contradicts another; the message names both. */
export class RedisSettingsError extends Error {
  override name = 'RedisSettingsError';
}

/**
 * The one topology the settings describe. Exactly one of REDIS_URL,
 * REDIS_SENTINELS (with REDIS_SENTINEL_NAME) and REDIS_CLUSTER_NODES may be
 * set; none: the local default server. REDIS_PASSWORD applies to whichever.
 */
export function redisTopology(settings: RedisSettings): RedisTopology {
  const set = ALTERNATIVES.filter((name) => settings[name] !== undefined);
  if (set.length > 1) {
    throw new RedisSettingsError(`${set.join(' and ')} are both set: choose one Redis topology`);
  }
  const password = settings.REDIS_PASSWORD;
  if (settings.REDIS_SENTINELS !== undefined) {
    if (settings.REDIS_SENTINEL_NAME === undefined) {
      throw new RedisSettingsError('REDIS_SENTINEL_NAME is required with REDIS_SENTINELS (the master group the sentinels watch)');
    }
    return {
      kind: 'sentinel',
      sentinels: hostPorts(settings.REDIS_SENTINELS),
      name: settings.REDIS_SENTINEL_NAME,
      password,
      sentinelPassword: settings.REDIS_SENTINEL_PASSWORD,
    };
  }
  if (settings.REDIS_SENTINEL_NAME !== undefined) {
    throw new RedisSettingsError('REDIS_SENTINEL_NAME is set without REDIS_SENTINELS');
  }
  if (settings.REDIS_CLUSTER_NODES !== undefined) {
    return { kind: 'cluster', nodes: hostPorts(settings.REDIS_CLUSTER_NODES), password };
  }
  return { kind: 'server', url: settings.REDIS_URL ?? DEFAULT_REDIS_URL, password };
}

/** `host:port,host:port` as addresses. */
export function hostPorts(list: string): HostPort[] {
  return list.split(',').map((entry) => {
    const colon = entry.lastIndexOf(':');
    return { host: entry.slice(0, colon), port: Number(entry.slice(colon + 1)) };
  });
}

/**
 * The hash tag of a key as Redis Cluster reads it: what lies between the
 * first `{` and the next `}`, when that is not empty. Keys with the same tag
 * share a hash slot; a key without one is hashed whole.
 */
export function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}

/**
 * A key in the same hash slot as `key`: `key:suffix` when `key` carries a
 * hash tag, else `{key}:suffix` (a tag equal to a whole untagged key hashes
 * exactly as that key does). `key` must not hold braces outside a tag.
 */
export function keyBeside(key: string, suffix: string): string {
  return hashTag(key) === undefined ? `{${key}}:${suffix}` : `${key}:${suffix}`;
}
