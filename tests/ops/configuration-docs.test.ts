import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigSchema } from '../../shared/config/config-schema';

const ROOT = path.resolve(__dirname, '../..');

/** Standard variables the OpenTelemetry SDK reads itself (not in the schema: it validates only the service's own). */
const SDK_VARIABLES = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'];
/** .env.example's variables that docker-compose.yml reads for itself, not the service. */
const COMPOSE_VARIABLES = ['POSTGRES_PASSWORD', 'API_PORT'];

/** README's configuration table: each row's variables (one row may name several) and its default column. */
function readmeRows(): Array<{ names: string[]; defaultText: string }> {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [names, defaultText] = line.split(' | ');
      return { names: [...names!.matchAll(/`([A-Z0-9_]+)`/g)].map((match) => match[1]!), defaultText: defaultText ?? '' };
    });
}

const properties = ConfigSchema.properties as Record<string, { default?: unknown }>;

describe('the configuration schema, the README and .env.example agree', () => {
  it('every setting of the schema has a row in the README, and every row names settings of the schema', () => {
    const documented = readmeRows().flatMap((row) => row.names);
    expect(Object.keys(properties).filter((name) => !documented.includes(name))).toEqual([]);
    expect(documented.filter((name) => !(name in properties) && !SDK_VARIABLES.includes(name))).toEqual([]);
  });

  it("the README's default is the schema's, for every setting the schema gives a default", () => {
    const mismatches = readmeRows().flatMap(({ names, defaultText }) =>
      names.flatMap((name) => {
        const fallback = properties[name]?.default;
        if (fallback === undefined || names.length > 1) return [];
        return defaultText.includes(`\`${String(fallback)}\``) ? [] : [`${name}: schema ${String(fallback)}, README ${defaultText}`];
      }),
    );
    expect(mismatches).toEqual([]);
  });

  it('.env.example sets only settings of the schema (or compose variables), with the schema default where it gives one', () => {
    const lines = readFileSync(path.join(ROOT, '.env.example'), 'utf8').split('\n').filter((line) => /^[A-Z0-9_]+=/.test(line));
    const wrong = lines.flatMap((line) => {
      const [name, value] = [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)];
      if (COMPOSE_VARIABLES.includes(name)) return [];
      if (!(name in properties)) return [`${name}: not a setting`];
      const fallback = properties[name]!.default;
      return fallback === undefined || value === '' || value === String(fallback) || name === 'JWT_SECRET' ? [] : [`${name}=${value}: the schema's default is ${String(fallback)}`];
    });
    expect(wrong).toEqual([]);
  });
});
