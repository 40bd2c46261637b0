// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The architecture, enforced (README "Architecture"):
 *   shared/  the core — use cases, repositories, domain rules, infrastructure; imports no adapter
 *   api/     HTTP adapter over the core     — never imports worker/
 *   worker/  queue/loop adapter over the core — never imports api/
 *   scripts/, bench/ use the core, not an adapter or the tests
 *   deploy/local/ local topologies and process tooling for tests, the bench and npm run fleet: not in the build
 * and the data layer: Sequelize and pg appear only in shared/db/ and in *-repository.ts files;
 * Redis connections are made only by shared/redis/redis-connection.ts.
 */
const folder = (name, why) => ({ regex: `^(\\.\\./)+${name}(/|$)`, message: `${name}/ ${why}` });
const ADAPTER_RULES = {
  shared: folder('shared', 'is the service\'s core: the client knows the API only through its OpenAPI types'),
  api: folder('api', 'is the HTTP adapter: move what you need into shared/'),
  worker: folder('worker', 'is the queue adapter: move what you need into shared/'),
  tests: folder('tests', 'is test code: production code and tools never import it'),
  bench: folder('bench', 'is the benchmark: nothing imports it'),
  scripts: folder('scripts', 'are command-line entry points: nothing imports them'),
  deploy: folder('deploy', 'holds deployments and local topologies: the service never imports them'),
  client: folder('client', 'is a consumer of the API (browser apps, tests): the service never imports it'),
};
const DATA_LAYER = {
  group: ['sequelize', 'sequelize-typescript', 'pg'],
  message: 'Only repositories (*-repository.ts) and shared/db/ talk to Sequelize or pg; use Database, Tx and shared/db/sql-errors.',
};
const IOREDIS = {
  name: 'ioredis',
  importNames: ['Redis', 'Cluster', 'default'],
  allowTypeImports: true,
  message: 'Connect through createRedis (shared/redis/redis-connection.ts): it knows the topology (URL, Sentinel, Cluster).',
};
const REPOSITORIES = {
  group: ['**/*-repository'],
  allowTypeImports: true,
  message: "Adapters call the core's use cases (shared/**/*-service.ts and the like), not repositories; a repository's types are fine.",
};
const boundaries = (forbidden, { dataLayer = true } = {}) => ({
  'no-restricted-imports': [
    'error',
    { patterns: [...forbidden.map((name) => ADAPTER_RULES[name]), ...(dataLayer ? [DATA_LAYER] : [])] },
  ],
});

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'web/dist/', 'web/.angular/', 'tests/artifacts/'] },
  eslint.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // a non-null assertion after a check the compiler cannot follow is clearer than a second check
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  // one Redis connection factory (shared/redis/redis-connection.ts) reads the topology: nobody else connects
  {
    files: ['**/*.ts'],
    ignores: ['shared/redis/redis-connection.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths: [IOREDIS] }] },
  },
  // adapters reach the data through the core's use cases: a repository's types, never its functions
  {
    files: ['api/**/*.ts', 'worker/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths: [IOREDIS], patterns: [REPOSITORIES] }] },
  },
  { files: ['api/**/*.ts'], rules: boundaries(['worker', 'tests', 'bench', 'scripts', 'client', 'deploy']) },
  { files: ['worker/**/*.ts'], rules: boundaries(['api', 'tests', 'bench', 'scripts', 'client', 'deploy']) },
  { files: ['shared/**/*.ts'], rules: boundaries(['api', 'worker', 'tests', 'bench', 'scripts', 'client', 'deploy']) },
  {
    files: ['shared/db/**/*.ts', 'shared/**/*-repository.ts'],
    rules: boundaries(['api', 'worker', 'tests', 'bench', 'scripts', 'client'], { dataLayer: false }),
  },
  // scripts are compiled into the shipped build (tsconfig.build.json), local topologies are not: only npm run fleet uses them
  { files: ['scripts/**/*.ts'], ignores: ['scripts/fleet.ts'], rules: boundaries(['api', 'worker', 'tests', 'bench', 'client', 'deploy']) },
  { files: ['scripts/fleet.ts'], rules: boundaries(['api', 'worker', 'tests', 'bench', 'client']) },
  { files: ['client/**/*.ts'], rules: boundaries(['api', 'worker', 'shared', 'tests', 'bench', 'scripts']) },
  // the Angular demo is a browser app: it knows the API only through @checkout/client
  {
    files: ['web/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...['api', 'worker', 'shared', 'tests', 'bench', 'scripts'].map((name) => ADAPTER_RULES[name]),
            { ...ADAPTER_RULES.client, message: 'import the workspace package @checkout/client, not its files' },
          ],
        },
      ],
    },
  },
  { files: ['bench/**/*.ts'], rules: boundaries(['api', 'worker', 'tests', 'scripts'], { dataLayer: false }) },
  // local topologies from Debian's packages (tests, the bench, npm run fleet): servers and processes, no service code
  { files: ['deploy/**/*.ts'], rules: boundaries(['api', 'worker', 'tests', 'bench', 'scripts', 'client'], { dataLayer: false }) },
  {
    files: ['tests/**/*.ts'],
    rules: {
      // tests read JSON bodies of many shapes; `any` there is the honest type
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  // plain-Node ES modules (deploy/k8s/validate.mjs: the model packages are ES modules only)
  { files: ['**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
