import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { API_SHUTDOWN_TIMEOUT_MS } from '../../api/app';
import { ConfigSchema } from '../../shared/config/config-schema';
import { loadConfig } from '../../shared/config/load-config';
import { JOB_STATES } from '../../shared/queue/queue-metrics';

const ROOT = path.resolve(__dirname, '../..');
const BASE = 'deploy/k8s/base';
const OVERLAY = 'deploy/k8s/overlays/small-shop';

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string }; spec?: any; data?: Record<string, string>; stringData?: Record<string, string> };

/** `kubectl kustomize <dir>`'s objects. */
function build(dir: string): K8sObject[] {
  const yaml = execFileSync('kubectl', ['kustomize', dir], { cwd: ROOT, encoding: 'utf8' });
  return parseAllDocuments(yaml).map((document) => document.toJSON() as K8sObject);
}

const find = (objects: K8sObject[], kind: string, name: string) => {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found;
};
const containersOf = (objects: K8sObject[]) =>
  objects.flatMap((object) => (object.spec?.template?.spec?.containers ?? []) as Array<Record<string, any>>);
const podSpec = (objects: K8sObject[], kind: string, name: string) => find(objects, kind, name).spec.template.spec;

/**
 * deploy/k8s: a Kustomize base and a small shop's overlay, built with
 * `kubectl kustomize` and checked against the Kubernetes and KEDA schemas,
 * the configuration schema, and what the service does (its drain times, its
 * memory, the metric the autoscaler reads).
 */
describe('Kubernetes manifests', () => {
  const base = build(BASE);
  const overlay = build(OVERLAY);

  it.each([BASE, OVERLAY])('every object of %s is valid against the Kubernetes and KEDA schemas', (dir) => {
    const run = spawnSync(process.execPath, ['deploy/k8s/validate.mjs', dir], { cwd: ROOT, encoding: 'utf8' });
    const report = JSON.parse(run.stdout.trim()) as { objects: string[]; errors: string[] };
    expect(report.errors).toEqual([]);
    expect(run.status).toBe(0);
    expect(report.objects.sort()).toEqual(
      [
        'ConfigMap/checkout-config',
        'Deployment/checkout-api',
        'Deployment/checkout-worker',
        'HorizontalPodAutoscaler/checkout-api',
        'Job/checkout-migrate',
        'PodDisruptionBudget/checkout-api',
        'PodDisruptionBudget/checkout-worker',
        'ScaledObject/checkout-worker',
        'Secret/checkout-secrets',
        'Service/checkout-api',
      ].sort(),
    );
  });

  it('every variable the manifests set is a setting of the configuration schema', () => {
    const settings = new Set(Object.keys(ConfigSchema.properties));
    for (const objects of [base, overlay]) {
      const names = [
        ...Object.keys(find(objects, 'ConfigMap', 'checkout-config').data ?? {}),
        ...Object.keys(find(objects, 'Secret', 'checkout-secrets').stringData ?? {}),
        ...containersOf(objects).flatMap((container) => (container.env ?? []).map((variable: { name: string }) => variable.name)),
      ];
      expect(names.filter((name) => !settings.has(name))).toEqual([]);
    }
    // every container reads exactly the ConfigMap and the Secret
    for (const container of containersOf(overlay)) {
      expect(container.envFrom).toEqual([{ configMapRef: { name: 'checkout-config' } }, { secretRef: { name: 'checkout-secrets' } }]);
    }
  });

  it("the overlay's configuration starts the service in production once its secrets are filled in", () => {
    const config = find(overlay, 'ConfigMap', 'checkout-config').data!;
    const secrets = find(overlay, 'Secret', 'checkout-secrets').stringData!;
    // the committed placeholders are refused in production, as they must be
    expect(() => loadConfig({ ...config, ...secrets }, () => undefined)).toThrow(/JWT_SECRET/);
    const filled = Object.fromEntries(Object.keys(secrets).map((name) => [name, name.endsWith('URL') ? secrets[name]! : `${name}-a-real-secret-of-32-bytes-or-more`]));
    const loaded = loadConfig({ ...config, ...filled }, () => undefined);
    expect(loaded).toMatchObject({ NODE_ENV: 'production', MIGRATE_ON_START: false, DB_PREPARED_STATEMENTS: false });
    expect(loaded.redis.kind).toBe('sentinel');
    expect(loaded.DATABASE_DIRECT_URL).not.toBe(loaded.DATABASE_URL);
  });

  it('the API runs at least two replicas with probes on its health routes, and drains within its grace period', () => {
    const deployment = find(overlay, 'Deployment', 'checkout-api');
    const hpa = find(overlay, 'HorizontalPodAutoscaler', 'checkout-api');
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    const [api] = podSpec(overlay, 'Deployment', 'checkout-api').containers;
    expect([api.startupProbe.httpGet.path, api.livenessProbe.httpGet.path, api.readinessProbe.httpGet.path]).toEqual([
      '/health/live',
      '/health/live',
      '/health/ready',
    ]);
    const preStopSeconds = Number(api.lifecycle.preStop.exec.command[1]);
    expect(podSpec(overlay, 'Deployment', 'checkout-api').terminationGracePeriodSeconds).toBeGreaterThan(
      preStopSeconds + API_SHUTDOWN_TIMEOUT_MS / 1000,
    );
    expect(find(overlay, 'PodDisruptionBudget', 'checkout-api').spec.minAvailable).toBeGreaterThanOrEqual(1);
  });

  it("a worker's grace period outlasts its drain (WORKER_SHUTDOWN_TIMEOUT_MS)", () => {
    const drainMs = Number(find(overlay, 'ConfigMap', 'checkout-config').data!.WORKER_SHUTDOWN_TIMEOUT_MS);
    expect(podSpec(overlay, 'Deployment', 'checkout-worker').terminationGracePeriodSeconds).toBeGreaterThan(drainMs / 1000);
    const [worker] = podSpec(overlay, 'Deployment', 'checkout-worker').containers;
    expect(worker.livenessProbe.httpGet.path).toBe('/health/live');
    expect(worker.readinessProbe).toBeUndefined();
  });

  it('every container runs as non-root on a read-only root filesystem, with memory above its heap cap', () => {
    for (const object of overlay.filter((o) => o.spec?.template?.spec)) {
      const pod = object.spec.template.spec;
      expect({ name: object.metadata.name, nonRoot: pod.securityContext.runAsNonRoot }).toEqual({ name: object.metadata.name, nonRoot: true });
      for (const container of pod.containers) {
        expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
        const heapMb = Number(/--max-old-space-size=(\d+)/.exec(container.command.join(' '))?.[1] ?? 0);
        expect(mebibytes(container.resources.limits.memory)).toBeGreaterThan(heapMb + 64);
      }
    }
  });

  it('KEDA scales workers on the queue depth the service exports: waiting, delayed and prioritised, max across instances', () => {
    const scaled = find(overlay, 'ScaledObject', 'checkout-worker');
    expect(scaled.spec.scaleTargetRef.name).toBe('checkout-worker');
    const [trigger] = scaled.spec.triggers;
    expect(trigger.type).toBe('prometheus');
    // a query that finds nothing is an error, not a silent 0
    expect(trigger.metadata.ignoreNullValues).toBe('false');
    const states = /state=~"([^"]+)"/.exec(trigger.metadata.query)![1]!.split('|');
    expect(states.sort()).toEqual(['delayed', 'prioritized', 'waiting']);
    expect(states.every((state) => (JOB_STATES as readonly string[]).includes(state))).toBe(true);
    expect(() => expectPromQL(trigger.metadata.query, 7)).not.toThrow();
  });
});

/** `256Mi` → 256. */
function mebibytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

/**
 * Has Prometheus's own evaluator (`promtool test rules`) check that `query`
 * gives `expected` over the series two API instances export for one queue:
 * 3 waiting, 2 delayed, 2 prioritised, 5 active, 9 failed — each instance
 * reporting the whole queue. Throws with promtool's answer otherwise.
 */
function expectPromQL(query: string, expected: number): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'checkout-promql-'));
  try {
    const series = ['checkout-api-0', 'checkout-api-1'].flatMap((instance) =>
      Object.entries({ waiting: 3, delayed: 2, prioritized: 2, active: 5, failed: 9 }).map(
        ([state, value]) => `      - series: 'checkout_queue_jobs{job="checkout-api", instance="${instance}", state="${state}"}'\n        values: '${value}'`,
      ),
    );
    writeFileSync(path.join(dir, 'rules.yml'), 'groups: []\n');
    writeFileSync(
      path.join(dir, 'test.yml'),
      [
        'rule_files: [rules.yml]',
        'evaluation_interval: 1m',
        'tests:',
        '  - interval: 1m',
        '    input_series:',
        ...series,
        '    promql_expr_test:',
        `      - expr: '${query}'`,
        '        eval_time: 0m',
        '        exp_samples:',
        '          - labels: "{}"',
        `            value: ${expected}`,
      ].join('\n'),
    );
    const run = spawnSync('promtool', ['test', 'rules', 'test.yml'], { cwd: dir, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`promtool: ${run.stdout}${run.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
