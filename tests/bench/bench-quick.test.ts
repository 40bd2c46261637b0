import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBench } from '../../bench/run-bench';
import { PG_SERVER_URL } from '../support/test-database';

// 115-130 s on an idle 2-core machine (every path, new processes compiling the sources with tsx); 180-190 s while the
// rest of the suite runs beside it: room for a busier one
jest.setTimeout(360_000);

/**
 * Keeps `npm run bench` working: the quick run (the same code paths, small
 * counts) against real API and worker processes. Its figures are never
 * asserted — only that every path was measured and the results were written.
 * The service runs from the sources (no build in the test run).
 */
describe('npm run bench (quick)', () => {
  // A test that times out is abandoned, not stopped: the bench would run on in this worker (API and worker processes,
  // connections) and keep it from exiting, and jest would kill the worker and leave those processes running. So the
  // run is aborted after the test, and the file ends once its processes are stopped and its database dropped.
  const bench = new AbortController();
  let running: Promise<unknown> | undefined;
  afterAll(async () => {
    bench.abort();
    await running?.catch(() => undefined);
  });

  it('measures every path with a finite figure and writes bench.json and bench.svg', async () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'bench-quick-'));
    try {
      const run = runBench({
        quick: true,
        runtime: 'sources',
        outDir,
        pgServerUrl: PG_SERVER_URL,
        redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
        signal: bench.signal,
      });
      running = run;
      const { results, files } = await run;

      expect(results.rows.map((row) => row.id)).toEqual([
        'add-to-cart',
        'checkout-202-p50',
        'checkout-202-p99',
        'checkout-202-max',
        'checkout-202-p99-first-seconds',
        'placement-p99',
        'placement-p99-first-seconds',
        'checkout-end-to-end',
        'checkout-end-to-end-group-floor',
        'checkout-end-to-end-first-burst',
        'checkout-end-to-end-first-burst-group-floor',
        'checkout-end-to-end-no-rate-limits',
        'order-poll',
        'order-poll-no-rate-limits',
        'long-poll-commits',
        'long-poll-answers',
        'worker-cold-start',
        'api-cold-start',
        'rss-api',
        'rss-worker',
        'placement-1-workers',
        'placement-1-workers-per-order',
        'placement-2-workers',
        'placement-2-workers-per-order',
        'placement-4-workers',
        'placement-4-workers-per-order',
        'placement-8-workers',
        'placement-8-workers-per-order',
        'placement-pgbouncer',
        'accept-1-apis',
        'accept-2-apis',
      ]);
      const notFinite = results.rows.filter(
        (row) => !Number.isFinite(row.service) || (row.floor !== null && !Number.isFinite(row.floor)),
      );
      expect(notFinite).toEqual([]);
      expect(results.floorStatements.map((check) => check.flow)).toEqual(['addToCart', 'acceptCheckout', 'placeOrder', 'readOrder']);
      // what users meet: the bench does not override the shipped logging and rate limits (only its rows that say so do)
      expect(results.service.env).toEqual({ NODE_ENV: 'production', LOG_LEVEL: 'info', RATE_LIMITS_ENABLED: 'true' });

      const written = JSON.parse(readFileSync(files.json, 'utf8'));
      expect(written.rows).toEqual(results.rows);
      expect(written.commit.sha).toMatch(/^[0-9a-f]{40}$|^unknown$/);
      const svg = readFileSync(files.svg, 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
