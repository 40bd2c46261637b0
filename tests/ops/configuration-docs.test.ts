import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { composeVariables, renderEnvExample, settingDocs, withConfigTable } from '../../scripts/config-docs';
import { ConfigSchema } from '../../shared/config/config-schema';

const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/**
 * The configuration schema is the one description of every setting: docs/configuration.md's table and .env.example are
 * generated from it (`npm run config:docs`), and the deployment files name only settings it has.
 */
describe('the configuration schema is the one description of every setting', () => {
  it("docs/configuration.md's configuration table is the one generated from the schema", () => {
    const page = read('docs/configuration.md');
    expect(withConfigTable(page)).toBe(page);
  });

  it('.env.example is the one generated from the schema and docker-compose.yml: every variable compose reads, nothing else', () => {
    const compose = read('docker-compose.yml');
    expect(read('.env.example')).toBe(renderEnvExample(compose));
    const names = [...read('.env.example').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
    expect(names).toEqual(composeVariables(compose).map(({ name }) => name));
  });

  it("every setting of the schema (and tracing's standard variables) is described once, with a meaning", () => {
    const docs = settingDocs();
    expect(docs.map(({ name }) => name)).toEqual(expect.arrayContaining([...Object.keys(ConfigSchema.properties), 'OTEL_EXPORTER_OTLP_ENDPOINT']));
    expect(docs.filter(({ meaning }) => meaning.trim() === '').map(({ name }) => name)).toEqual([]);
    expect(new Set(docs.map(({ name }) => name)).size).toBe(docs.length);
  });

  it("compose's defaults differ from the schema's only where the stack needs it (its Redis keeps an append-only file)", () => {
    const docs = new Map(settingDocs().map((doc) => [doc.name, doc]));
    const differing = composeVariables(read('docker-compose.yml')).filter(
      ({ name, fallback }) => fallback !== undefined && docs.get(name)?.schemaDefault !== undefined && docs.get(name)!.schemaDefault !== fallback,
    );
    expect(differing).toEqual([{ name: 'ML_EVENTS_DURABILITY', fallback: 'aof' }]);
  });

  it('the Kubernetes manifests configure only settings the schema has', () => {
    const manifests = readdirSync(path.join(ROOT, 'deploy/k8s'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.yaml'));
    // the keys of ConfigMaps' and Secrets' data: the environment of the API and the worker
    const keys = manifests.flatMap((file) => [...read(path.join('deploy/k8s', file)).matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((match) => match[1]!));
    expect(keys).toEqual(expect.arrayContaining(['DATABASE_URL', 'JWT_SECRET', 'WORKER_CONCURRENCY']));
    expect(keys.filter((key) => !(key in ConfigSchema.properties))).toEqual([]);
  });
});
