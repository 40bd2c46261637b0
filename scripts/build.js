// `npm run build` compiles the service into dist/. `npm start`, `start:api` and `start:worker` run it with --if-stale
// first: it then compiles only when a source is newer than the last build, so a process whose build is current starts
// at once (an autoscaler adding workers, a supervisor restarting one). Plain Node, no TypeScript loader: the check must
// cost milliseconds.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const STAMP = path.join(ROOT, 'dist', '.build-stamp');
const SOURCES = ['api', 'worker', 'shared', 'scripts'];
const INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

/** The newest modification time below `dir` (directories count too: a deleted file changes its directory's). */
function newest(dir) {
  let latest = fs.statSync(dir).mtimeMs;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(full));
    else if (/\.(ts|json)$/.test(entry.name)) latest = Math.max(latest, fs.statSync(full).mtimeMs);
  }
  return latest;
}

const sources = Math.max(...SOURCES.map((dir) => newest(path.join(ROOT, dir))), ...INPUTS.map((file) => fs.statSync(path.join(ROOT, file)).mtimeMs));
const built = fs.existsSync(STAMP) ? fs.statSync(STAMP).mtimeMs : 0;
const ifStale = process.argv.includes('--if-stale');
if (ifStale && built >= sources) process.exit(0);

if (ifStale) console.error('compiling (a source changed since the last build) …');
const started = process.hrtime.bigint();
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
fs.writeFileSync(STAMP, `${new Date().toISOString()}\n`);
console.error(`compiled in ${Number((process.hrtime.bigint() - started) / 1_000_000n)} ms`);
