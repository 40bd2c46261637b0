import path from 'node:path';
import { describeRun } from './report/results';
import { floorNotes, markdownTable, textTable } from './report/tables';
import { runBench } from './run-bench';

/**
 * `npm run bench`: the full run (a few minutes), results in bench/results/.
 * `BENCH_QUICK=1 npm run bench`: the same code paths with small counts, in
 * seconds, results in a temporary folder (BENCH_OUT_DIR to choose). The
 * service runs compiled (dist/, built first) as `npm run start:*` runs it;
 * BENCH_RUNTIME=sources runs the TypeScript through tsx instead. BENCH_PG_URL
 * (postgres://user@host:port) and REDIS_URL point it at other servers.
 */
async function main(): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1';
  const { results, files } = await runBench({
    quick,
    runtime: process.env.BENCH_RUNTIME === 'sources' ? 'sources' : 'compiled',
    outDir: process.env.BENCH_OUT_DIR,
    pgServerUrl: process.env.BENCH_PG_URL,
    redisUrl: process.env.REDIS_URL,
    log: (message) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`),
  });
  console.log(`\n${describeRun(results)} — ${results.durationSeconds} s\n`);
  console.log(textTable(results.rows));
  const drifted = results.floorStatements.filter((check) => !check.matches);
  console.log(
    drifted.length === 0
      ? '\nEvery floor runs the statements the service sends.'
      : `\nWARNING: floors that no longer run the service's statements: ${drifted.map((check) => check.flow).join(', ')} (see bench/floors/statements.ts)`,
  );
  console.log(`\nMarkdown (npm run bench:table prints it again):\n\n${markdownTable(results.rows)}\n\n${floorNotes(results.rows)}\n`);
  console.log(`written: ${path.relative(process.cwd(), files.json)}, ${path.relative(process.cwd(), files.svg)}`);
}

main().catch((error: Error) => {
  console.error(error);
  process.exitCode = 1;
});
