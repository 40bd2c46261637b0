import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from '../../shared/process/node-flags';

const ROOT = path.resolve(__dirname, '../..');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  container_name?: string;
  ports?: unknown[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: unknown };
  volumes?: unknown[];
}

const hasDockerCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;

/**
 * The compose file as docker-compose resolves it (interpolation, anchors),
 * or — where docker-compose is not installed — as YAML with anchors merged.
 */
function resolvedCompose(): { services: Record<string, ComposeService> } {
  const source = hasDockerCompose
    ? execFileSync('docker-compose', ['--env-file', '.env.example', 'config'], { cwd: ROOT, encoding: 'utf8' })
    : readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
  return parse(source, { merge: true });
}

describe('docker-compose.yml', () => {
  const { services } = resolvedCompose();

  it('refuses to start without the secrets from .env', () => {
    if (!hasDockerCompose) return expect(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')).toContain('JWT_SECRET:?');
    const emptyEnvFile = path.join(mkdtempSync(path.join(tmpdir(), 'compose-')), '.env');
    writeFileSync(emptyEnvFile, '');
    const { JWT_SECRET, POSTGRES_PASSWORD, ...env } = process.env;
    const result = spawnSync('docker-compose', ['--env-file', emptyEnvFile, 'config'], { cwd: ROOT, encoding: 'utf8', env });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/POSTGRES_PASSWORD|JWT_SECRET/);
  });

  it('runs PostgreSQL with a volume and a healthcheck', () => {
    expect(services.postgres?.volumes?.length).toBeGreaterThan(0);
    expect(services.postgres?.healthcheck?.test).toBeDefined();
  });

  it('runs Redis with AOF on, noeviction and a healthcheck', () => {
    expect(services.redis?.command?.join(' ')).toMatch(/--appendonly yes/);
    expect(services.redis?.command?.join(' ')).toMatch(/--maxmemory-policy noeviction/);
    expect(services.redis?.healthcheck?.test).toBeDefined();
  });

  it('runs API and worker with the service V8 flags (shared/process/node-flags.ts), as npm start does', () => {
    for (const service of ['api', 'worker']) {
      expect(services[service]?.command?.join(' ')).toContain(SERVICE_NODE_FLAGS.join(' '));
    }
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['start:api']).toContain(SERVICE_NODE_FLAGS.join(' '));
    expect(scripts['start:worker']).toContain(SERVICE_NODE_FLAGS.join(' '));
    expect(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')).toContain(SERVICE_NODE_FLAGS.map((flag) => `"${flag}"`).join(', '));
  });

  it('starts API and worker with the service environment (shared/process/node-flags.ts) under the operator\'s own', () => {
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    for (const [name, value] of Object.entries(SERVICE_ENV)) {
      // an npm script keeps a value the operator exported
      expect(scripts['start:api']).toContain(`${name}=\${${name}:-${value}}`);
      expect(scripts['start:worker']).toContain(`${name}=\${${name}:-${value}}`);
      // the image's environment, which compose and the Kubernetes manifests inherit
      expect(runtimeStage).toMatch(new RegExp(`^\\s*(ENV\\s+)?${name}=${value}\\b`, 'm'));
    }
  });

  it('keeps /metrics private: the API gets METRICS_TOKEN, and docs/prometheus.yml scrapes it with a bearer token', () => {
    expect(services.api?.environment).toHaveProperty('METRICS_TOKEN');
    const prometheus = parse(readFileSync(path.join(ROOT, 'docs/prometheus.yml'), 'utf8')) as {
      scrape_configs: Array<{ job_name: string; authorization?: { type: string; credentials_file?: string } }>;
    };
    const api = prometheus.scrape_configs.find((job) => job.job_name === 'checkout-api');
    expect(api?.authorization).toMatchObject({ type: 'Bearer', credentials_file: expect.any(String) });
  });

  it('migrates once before the API starts, and the API waits for it', () => {
    expect(services.migrate?.command?.join(' ')).toContain('dist/scripts/db-migrate.js');
    expect(services.api?.depends_on?.migrate?.condition).toBe('service_completed_successfully');
    expect(services.api?.environment?.MIGRATE_ON_START).toBe('false');
  });

  it('runs workers that can be scaled: no container name, no host port, after the migration', () => {
    expect(services.worker?.command?.join(' ')).toContain('dist/worker/main.js');
    expect(services.worker?.ports).toBeUndefined();
    expect(services.worker?.depends_on?.migrate?.condition).toBe('service_completed_successfully');
  });

  it('exposes the API on port 3000 and names no container (so services can scale)', () => {
    expect(JSON.stringify(services.api?.ports)).toContain('3000');
    for (const service of Object.values(services)) expect(service.container_name).toBeUndefined();
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

  it('is multi-stage and ships production dependencies only', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/COPY --from=build/);
  });

  it('runs as a non-root user', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('copies every source folder the build needs', () => {
    for (const folder of ['api', 'shared', 'worker', 'scripts']) expect(dockerfile).toContain(`COPY ${folder} ./${folder}`);
  });
});
