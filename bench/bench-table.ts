import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describeRun, type BenchResults } from './report/results';
import { floorNotes, markdownTable } from './report/tables';

/**
 * `npm run bench:table [-- <bench.json>]`: the README's performance table,
 * in Markdown, from bench/results/bench.json (or the file given).
 */
const file = process.argv[2] ?? path.resolve(__dirname, 'results/bench.json');
const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
console.log(`Measured by \`npm run bench\` (${results.durationSeconds} s): ${describeRun(results)}.\n`);
console.log(markdownTable(results.rows));
console.log(`\nThe floors:\n\n${floorNotes(results.rows)}`);
