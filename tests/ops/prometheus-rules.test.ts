import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { waitFor } from '../../deploy/local/wait-for';
import type { ServiceProcess } from '../../deploy/local/service-process';
import { actor } from '../support/actors';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { startStack, type Stack } from '../support/stack';

jest.setTimeout(90_000);

const ROOT = path.resolve(__dirname, '../..');
const RULES = path.join(ROOT, 'deploy/prometheus/rules.yml');
const DASHBOARD = path.join(ROOT, 'deploy/grafana/checkout-dashboard.json');
const METRICS_TOKEN = 'scrape-token-rules-0123456789';

function promtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd: path.dirname(RULES), encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Every expression of the rules and of the dashboard's panels. */
function expressions(): string[] {
  const rules = parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Array<{ expr: string }> }> };
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
  return [...rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr)), ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr))];
}

const PROMQL_WORDS = new Set(['sum', 'max', 'min', 'avg', 'count', 'rate', 'irate', 'increase', 'histogram_quantile', 'by', 'without', 'on', 'ignoring', 'unless', 'and', 'or', 'absent', 'le', 'offset', 'bool', 'e']);

/** The metric names an expression reads: identifiers that are neither PromQL words, label names, label values nor recording rules. */
function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""');
  const withoutGroupings = withoutStrings.replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '');
  const withoutSelectors = withoutGroupings.replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '');
  return (withoutSelectors.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter((name) => !PROMQL_WORDS.has(name) && !name.includes(':') && !/^\d/.test(name));
}

/** The metric names a /metrics page exports (a histogram as its _bucket, _count and _sum series). */
function exported(page: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of page.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) names.add(`${name}${suffix}`);
  }
  return names;
}

describe('Prometheus rules and the Grafana dashboard', () => {
  it('promtool checks the rules', () => {
    const { status, output } = promtool('check', 'rules', 'rules.yml');
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  it("promtool's unit tests of every alert pass (each fires when it should and stays quiet when it should)", () => {
    const tests = parse(readFileSync(path.join(path.dirname(RULES), 'rules.test.yml'), 'utf8')) as { tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }> };
    const checks = tests.tests.flatMap((test) => test.alert_rule_test ?? []);
    const alerts = (parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string }> }> }).groups.flatMap((group) => group.rules.flatMap((rule) => (rule.alert ? [rule.alert] : [])));
    for (const alert of alerts) {
      expect(checks.some((check) => check.alertname === alert && check.exp_alerts.length > 0)).toBe(true);
      expect(checks.some((check) => check.alertname === alert && check.exp_alerts.length === 0)).toBe(true);
    }
    const { status, output } = promtool('test', 'rules', 'rules.test.yml');
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  describe('against a running API and worker', () => {
    let stack: Stack;
    let worker: ServiceProcess;
    beforeAll(async () => {
      stack = await startStack({ METRICS_TOKEN, WORKER_METRICS_PORT: '0' });
      worker = await stack.startWorker();
    });
    afterAll(() => stack?.stop());

    it('names only metrics the service exports', async () => {
      // one checkout placed, so that every labelled series (request durations, job results) exists
      const api = routesFor(() => stack.api);
      const shopper = actor('rules-shopper');
      const product = await givenFor(() => stack.api).product({ stock: 3 });
      await api.addToCart(shopper, { product_id: product.id, quantity: 1 });
      expect((await api.checkout(shopper)).status).toBe(202);
      await stack.waitUntilNoPending();

      const line = await worker.waitForLine(/"metrics_url"/);
      const workerUrl = (JSON.parse(line) as { metrics_url: string }).metrics_url;
      const [apiPage, workerPage] = await Promise.all([
        fetch(`${stack.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }).then((res) => res.text()),
        waitFor('worker metrics', async () => (await fetch(workerUrl)).text()),
      ]);
      // each process serves its own process metrics (its entry point registers them)
      for (const page of [apiPage, workerPage]) expect(page).toMatch(/^process_resident_memory_bytes \d/m);
      const known = new Set([...exported(apiPage), ...exported(workerPage), 'up']);
      const named = [...new Set(expressions().flatMap(metricNames))];
      expect(named.length).toBeGreaterThan(10);
      expect(named.filter((name) => !known.has(name))).toEqual([]);
    });
  });
});
