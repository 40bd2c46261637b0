const fs = require('node:fs');
const path = require('node:path');

/**
 * Some dependencies (cookie, content-disposition, …) now ship as ES modules
 * only. Node 20 loads them with require(esm); jest's module system on Node 20
 * cannot, so jest compiles exactly those packages to CommonJS. Found by
 * reading node_modules, so a dependency that turns ESM-only is picked up.
 */
function esmOnlyPackages(root = path.join(__dirname, 'node_modules')) {
  const hasRequireExport = (exports) =>
    exports !== null && typeof exports === 'object' && ('require' in exports || Object.values(exports).some(hasRequireExport));
  const names = fs.readdirSync(root).flatMap((entry) =>
    entry.startsWith('@') ? fs.readdirSync(path.join(root, entry)).map((name) => `${entry}/${name}`) : [entry],
  );
  return names.filter((name) => {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(root, name, 'package.json'), 'utf8'));
      return manifest.type === 'module' && !hasRequireExport(manifest.exports);
    } catch {
      return false;
    }
  });
}

const escapeRegExp = (name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    '^.+\\.m?js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages().map(escapeRegExp).join('|')})/)`],
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  // integration tests wait on PostgreSQL and Redis more than on the CPU
  maxWorkers: 3,
  // a worker that has grown past this after a test file is replaced by a fresh one: each file loads its own copy of
  // the service's modules, V8 collects them late, and a worker with hundreds of MB of heap can take longer than jest's
  // 500 ms to exit at the end ("A worker process has failed to exit gracefully")
  workerIdleMemoryLimit: '400MB',
  testTimeout: 30_000,
};
