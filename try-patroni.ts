import { startPatroniCluster } from './deploy/local/patroni';
(async () => {
  const t0 = Date.now();
  const c = await startPatroniCluster();
  console.log('up in', Date.now() - t0, (await c.primary()).name);
  const t1 = Date.now();
  const old = await c.killPrimary();
  const now = await c.promoted(old);
  console.log('failover in', Date.now() - t1, now.name);
  await c.stop();
  console.log('stopped');
})().catch((e) => { console.error(e); process.exit(1); });
