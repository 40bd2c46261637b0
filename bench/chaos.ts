import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runChaos, type ChaosOptions } from './chaos/run-chaos';

/**
 * `npm run chaos`: the full chaos run (see bench/chaos/run-chaos.ts) with
 * default settings everywhere; prints its figures, writes them to
 * bench/results/chaos.json, and exits 1 on any violated invariant.
 * CHAOS_USERS, CHAOS_WORKERS and CHAOS_WINDOW_MS scale it. The run starts its
 * own fleet: Redis behind Sentinel (its master killed once), PostgreSQL on a
 * Patroni pair behind HAProxy (its primary killed once), two APIs behind
 * HAProxy (one killed twice), and a worker on a host of its own (cut off for
 * 8 s) beside the others; it needs root for that host.
 */
const windowMs = Number(process.env.CHAOS_WINDOW_MS ?? 20_000);
const options: ChaosOptions = {
  users: Number(process.env.CHAOS_USERS ?? 400),
  products: 10,
  stock: Number(process.env.CHAOS_STOCK ?? 60),
  workers: Number(process.env.CHAOS_WORKERS ?? 2),
  windowMs,
  killEveryMs: 1_500,
  flushAtMs: windowMs / 2,
  redisFailoverAtMs: [(windowMs * 2) / 3],
  postgresFailoverAtMs: [windowMs * 0.4],
  apis: 2,
  killApiAtMs: [windowMs * 0.3, windowMs * 0.8],
  partitionAtMs: [windowMs * 0.15],
  partitionMs: 8_000,
  terminateBackendsAtMs: [windowMs / 4, (windowMs * 3) / 4],
  cutSubscriberAtMs: [windowMs / 3],
  settleMs: 30_000,
  pgServerUrl: process.env.CHAOS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  log: (message) => console.log(`[${new Date().toISOString()}] ${message}`),
};

async function main(): Promise<void> {
  const figures = await runChaos(options);
  const { violations, ...rest } = figures;
  console.table({
    orders: rest.orders,
    placed: rest.placed,
    failed: rest.failed,
    'worker kills': rest.faults.workerKills,
    'redis flushes': rest.faults.redisFlushes,
    'redis master failovers': rest.faults.redisFailovers,
    'postgres primary failovers': rest.faults.postgresFailovers,
    'API kills (behind HAProxy)': rest.faults.apiKills,
    'worker partitions': rest.faults.partitions,
    'backend terminations': rest.faults.backendTerminations,
    'subscriber cuts': rest.faults.subscriberCuts,
    's from last fault to all final': rest.secondsToAllFinal,
    'events re-published': rest.eventsRepublished,
    'checkout requests': rest.checkoutRequests,
    'long-polls sent / answered': `${rest.longPolls.sent} / ${rest.longPolls.answered}`,
  });
  const out = path.resolve(__dirname, 'results/chaos.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ at: new Date().toISOString(), options: { ...options, log: undefined }, figures }, null, 2)}\n`);
  console.log(violations.length === 0 ? 'every invariant holds' : `VIOLATIONS:\n${violations.join('\n')}`);
  console.log(`written to ${path.relative(process.cwd(), out)}`);
  if (violations.length > 0) process.exitCode = 1;
}

main().catch((error: Error) => {
  console.error(error);
  process.exitCode = 1;
});
