import calculateSlot from 'cluster-key-slot';
import { batchWhileBusy } from '../../shared/async/batch-while-busy';
import type { RedisClient } from '../../shared/redis/redis-connection';

/** What @fastify/rate-limit wants of a count: the caller's count in this window (over `max`: refused) and the window's ms left. */
export interface Count {
  current: number;
  ttl: number;
}

/** Lease requests sent to Redis at once, at most, and such round trips at once. */
const LEASE_LIMITS = { maxInFlight: 2, maxBatch: 500 };

/**
 * Grants each KEYS[i] up to ARGV[3i-2] more of its limit ARGV[3i-1] (never past it) and sets its
 * expiry (ARGV[3i] ms, the window) if it has none; returns per key the units granted, the key's
 * total and its ms left.
 */
const LEASE = `local results = {}
for i, key in ipairs(KEYS) do
  local want, max = tonumber(ARGV[3 * i - 2]), tonumber(ARGV[3 * i - 1])
  local total = tonumber(redis.call('GET', key) or '0')
  local granted = math.max(0, math.min(want, max - total))
  if granted > 0 then total = redis.call('INCRBY', key, granted) end
  redis.call('PEXPIRE', key, ARGV[3 * i], 'NX')
  results[3 * i - 2] = granted
  results[3 * i - 1] = total
  results[3 * i] = redis.call('PTTL', key)
end
return results`;

/** Units of one counter's window this process holds: taken from Redis, not yet used. */
interface Lease {
  left: number;
  /** The counter's total in Redis when last seen (this lease included). */
  total: number;
  /** When the window (the Redis key) ends, by this process's clock. */
  endsAt: number;
}

interface LeaseRequest {
  counter: string;
  windowMs: number;
  max: number;
}

/**
 * Per-window counters in Redis, shared by every API process, that do not cost
 * a Redis round trip per request. A process takes a *lease* of a counter's
 * limit — `leaseShare` of it (at least 1) — and spends it locally; it asks
 * Redis again when the lease is spent. Redis grants only what is left under
 * the limit, so the fleet together never lets more than the limit through in
 * a window; the price is that a caller may be refused while units of its
 * limit sit unspent in other processes' leases: at most (processes − 1) ×
 * (lease − 1) early. A lease of 1 (small limits, or `leaseShare` 0) counts
 * every request in Redis, exactly. Requests that come while leases are on
 * their way are asked for together, in one script call (per hash slot on a
 * Cluster). A refused request takes nothing; a request given back (answered
 * with a 5xx) returns its unit to this process's lease.
 */
export function leasedCounters(redis: RedisClient, nameSpace: string, { bySlot, leaseShare }: { bySlot: boolean; leaseShare: number }) {
  const leases = new Map<string, Lease>();
  const leaseSize = (max: number) => Math.max(1, Math.floor(max * leaseShare));
  // sent by its SHA once Redis knows it (EVALSHA; the script again only when Redis answers NOSCRIPT)
  const client = redis as RedisClient & { leaseRateLimits?: (numberOfKeys: number, ...keysAndArgs: Array<string | number>) => Promise<number[]> };
  if (!client.leaseRateLimits) redis.defineCommand('leaseRateLimits', { lua: LEASE });

  /** One unit of a live lease, if this process holds one. */
  const spend = (counter: string, now: number): Count | null => {
    const lease = leases.get(counter);
    if (!lease || lease.endsAt <= now || lease.left === 0) return null;
    lease.left -= 1;
    return { current: lease.total - lease.left, ttl: lease.endsAt - now };
  };

  const leaseTogether = async (requests: LeaseRequest[]): Promise<Count[]> => {
    // what each counter's requests want: one unit each, plus a lease for the requests after them
    const wants = new Map<string, { windowMs: number; max: number; calls: number }>();
    for (const { counter, windowMs, max } of requests) {
      const want = wants.get(counter);
      if (want) want.calls += 1;
      else wants.set(counter, { windowMs, max, calls: 1 });
    }
    const groups = new Map<number, string[]>();
    for (const counter of wants.keys()) {
      const slot = bySlot ? calculateSlot(counter) : 0;
      groups.set(slot, [...(groups.get(slot) ?? []), counter]);
    }
    const granted = new Map<string, { units: number; total: number; ttl: number }>();
    await Promise.all(
      [...groups.values()].map(async (keys) => {
        const args = keys.flatMap((key) => {
          const { calls, max, windowMs } = wants.get(key)!;
          return [calls + leaseSize(max) - 1, max, windowMs];
        });
        const results = await client.leaseRateLimits!(keys.length, ...keys, ...args);
        keys.forEach((key, i) => granted.set(key, { units: results[3 * i]!, total: results[3 * i + 1]!, ttl: results[3 * i + 2]! }));
      }),
    );
    const now = Date.now();
    for (const [counter, { units, total, ttl }] of granted) {
      const held = leases.get(counter);
      if (held && held.endsAt > now) {
        // a live lease (another batch's, spent meanwhile or not): the grant adds to it
        held.left += units;
        held.total = Math.max(held.total, total);
      } else {
        leases.set(counter, { left: units, total, endsAt: now + ttl });
      }
    }
    // each request in turn takes a unit; none left: refused until the window ends
    return requests.map(({ counter, max }) => spend(counter, now) ?? { current: max + 1, ttl: granted.get(counter)!.ttl });
  };
  const lease = batchWhileBusy(leaseTogether, LEASE_LIMITS);

  // spent leases are forgotten once their window has ended
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [counter, { endsAt }] of leases) if (endsAt <= now) leases.delete(counter);
  }, 60_000);
  sweep.unref();

  return {
    /** Counts one request against `counter` (limit `max` per `windowMs`). */
    count: (counter: string, windowMs: number, max: number): Promise<Count> | Count =>
      spend(nameSpace + counter, Date.now()) ?? lease({ counter: nameSpace + counter, windowMs, max }),
    /** Gives a counted request back (it was answered with a 5xx: nothing happened). */
    giveBack: (counter: string): void => {
      const held = leases.get(nameSpace + counter);
      if (held && held.endsAt > Date.now()) held.left += 1;
    },
    close: () => clearInterval(sweep),
  };
}
