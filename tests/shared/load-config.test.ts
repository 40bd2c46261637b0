import { ConfigError, loadConfig } from '../../shared/config/load-config';
import { ConfigSchema } from '../../shared/config/config-schema';

const SECRET = 'a-secret-that-is-at-least-32-bytes-long';
const SETTINGS = Object.keys(ConfigSchema.properties);

/** Runs `load` and returns what it threw (fails the test when it did not throw). */
function thrownBy(load: () => unknown): Error {
  try {
    load();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  let saved: NodeJS.ProcessEnv;
  let warnings: string[];
  const warn = (message: string) => warnings.push(message);

  beforeEach(() => {
    saved = { ...process.env };
    // jest sets NODE_ENV=test; a developer's shell may set others. Start from none of the settings.
    for (const key of SETTINGS) delete process.env[key];
    warnings = [];
  });
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('fills every default when the environment sets nothing but the secret', () => {
    const config = loadConfig({ JWT_SECRET: SECRET }, warn);
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/checkout',
      DB_POOL_MAX: 10,
      redis: { kind: 'server', url: 'redis://127.0.0.1:6379' },
      QUEUE_PREFIX: 'checkout',
      JWT_SECRET: SECRET,
      LOG_LEVEL: 'info',
      BODY_LIMIT_BYTES: 65536,
      MIGRATE_ON_START: true,
    });
    expect(config.JWT_ISSUER).toBeUndefined();
    expect(config.JWT_AUDIENCE).toBeUndefined();
    expect(config.CORS_ORIGINS).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('every setting with a default in the schema gets exactly that default', () => {
    const config = loadConfig({ JWT_SECRET: SECRET }, warn) as unknown as Record<string, unknown>;
    const properties = ConfigSchema.properties as Record<string, { default?: unknown }>;
    const defaults = Object.entries(properties).filter(([, schema]) => 'default' in schema);
    expect(defaults.length).toBeGreaterThan(0);
    for (const [key, schema] of defaults) expect({ [key]: config[key] }).toEqual({ [key]: schema.default });
  });

  it('converts numbers and booleans from their text form', () => {
    const config = loadConfig(
      { JWT_SECRET: SECRET, PORT: '8080', DB_POOL_MAX: '3', BODY_LIMIT_BYTES: '2048', MIGRATE_ON_START: 'false' },
      warn,
    );
    expect(config).toMatchObject({ PORT: 8080, DB_POOL_MAX: 3, BODY_LIMIT_BYTES: 2048, MIGRATE_ON_START: false });
  });

  it.each(['abc', '70000', '-1', '80.5'])('a bad PORT (%s) is rejected with a ConfigError naming PORT', (port) => {
    const error = thrownBy(() => loadConfig({ JWT_SECRET: SECRET, PORT: port }, warn));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/PORT/);
  });

  it.each([
    ['NODE_ENV', 'staging'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['LOG_LEVEL', 'loud'],
    ['BODY_LIMIT_BYTES', '10'],
    ['QUEUE_PREFIX', 'has spaces'],
  ])('a bad %s is rejected with a ConfigError naming it', (name, value) => {
    const error = thrownBy(() => loadConfig({ JWT_SECRET: SECRET, [name]: value }, warn));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(name);
  });

  describe('Redis topology', () => {
    const load = (env: Record<string, string>) => loadConfig({ JWT_SECRET: SECRET, ...env }, warn);

    it('REDIS_URL names one server, with REDIS_PASSWORD', () => {
      expect(load({ REDIS_URL: 'rediss://cache.internal:6380', REDIS_PASSWORD: 'pw' }).redis).toEqual({
        kind: 'server',
        url: 'rediss://cache.internal:6380',
        password: 'pw',
      });
    });

    it('REDIS_SENTINELS with REDIS_SENTINEL_NAME names a Sentinel-watched master group', () => {
      const config = load({
        REDIS_SENTINELS: 'sentinel-a:26379,10.0.0.2:26380',
        REDIS_SENTINEL_NAME: 'checkout',
        REDIS_PASSWORD: 'pw',
        REDIS_SENTINEL_PASSWORD: 'spw',
      });
      expect(config.redis).toEqual({
        kind: 'sentinel',
        sentinels: [
          { host: 'sentinel-a', port: 26379 },
          { host: '10.0.0.2', port: 26380 },
        ],
        name: 'checkout',
        password: 'pw',
        sentinelPassword: 'spw',
      });
      expect(config.QUEUE_PREFIX).toBe('checkout');
    });

    it('REDIS_CLUSTER_NODES names a Cluster, and the queue prefix then carries a hash tag by default', () => {
      const config = load({ REDIS_CLUSTER_NODES: 'node-1:7000,node-2:7001' });
      expect(config.redis).toEqual({
        kind: 'cluster',
        nodes: [
          { host: 'node-1', port: 7000 },
          { host: 'node-2', port: 7001 },
        ],
      });
      expect(config.QUEUE_PREFIX).toBe('{checkout}');
      expect(load({ REDIS_CLUSTER_NODES: 'node-1:7000', QUEUE_PREFIX: 'shop-{eu}' }).QUEUE_PREFIX).toBe('shop-{eu}');
    });

    it.each([
      [{ REDIS_URL: 'redis://a:6379', REDIS_SENTINELS: 'b:26379', REDIS_SENTINEL_NAME: 'm' }, ['REDIS_URL', 'REDIS_SENTINELS']],
      [{ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'b:7000' }, ['REDIS_URL', 'REDIS_CLUSTER_NODES']],
      [{ REDIS_SENTINELS: 'b:26379', REDIS_SENTINEL_NAME: 'm', REDIS_CLUSTER_NODES: 'c:7000' }, ['REDIS_SENTINELS', 'REDIS_CLUSTER_NODES']],
    ])('two topologies set (%o) refuse to start, naming both', (env, names) => {
      const error = thrownBy(() => load(env));
      expect(error).toBeInstanceOf(ConfigError);
      for (const name of names) expect(error.message).toContain(name);
    });

    it.each([
      [{ REDIS_SENTINELS: 'b:26379' }, 'REDIS_SENTINEL_NAME'],
      [{ REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINELS'],
      [{ REDIS_SENTINELS: 'no-port', REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINELS'],
      [{ REDIS_CLUSTER_NODES: 'a:7000,' }, 'REDIS_CLUSTER_NODES'],
      [{ REDIS_CLUSTER_NODES: 'a:7000', QUEUE_PREFIX: 'checkout' }, 'QUEUE_PREFIX'],
      [{ QUEUE_PREFIX: 'half{open' }, 'QUEUE_PREFIX'],
      [{ ML_EVENTS_STREAM: 'ml}events' }, 'ML_EVENTS_STREAM'],
    ])('%o is refused naming %s', (env, name) => {
      const error = thrownBy(() => load(env));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain(name);
    });
  });

  it('a JWT_SECRET shorter than 32 bytes is rejected naming JWT_SECRET', () => {
    const error = thrownBy(() => loadConfig({ JWT_SECRET: 'x'.repeat(31) }, warn));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('JWT_SECRET');
    expect(error.message).not.toContain('x'.repeat(31));
  });

  it('a JWT_SECRET of exactly 32 bytes is accepted', () => {
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(32) }, warn).JWT_SECRET).toBe('x'.repeat(32));
  });

  it('the JWT_SECRET length is counted in UTF-8 bytes, not characters', () => {
    // 11 characters of 3 bytes each: 33 bytes
    expect(loadConfig({ JWT_SECRET: '€'.repeat(11) }, warn).JWT_SECRET).toBe('€'.repeat(11));
    // 15 characters of 2 bytes each: 30 bytes
    expect(() => loadConfig({ JWT_SECRET: 'é'.repeat(15) }, warn)).toThrow(/JWT_SECRET/);
  });

  it('an identity provider is found by JWT_JWKS_URL or by discovery from JWT_ISSUER, not both, and discovery needs the issuer', () => {
    const secret = { JWT_SECRET: 'x'.repeat(32) };
    expect(loadConfig({ ...secret, JWT_JWKS_URL: 'https://id.example/certs' }, warn).JWT_JWKS_URL).toBe('https://id.example/certs');
    expect(loadConfig({ ...secret, JWT_OIDC_DISCOVERY: 'true', JWT_ISSUER: 'https://id.example/realms/shop' }, warn).JWT_OIDC_DISCOVERY).toBe(true);
    expect(() => loadConfig({ ...secret, JWT_OIDC_DISCOVERY: 'true' }, warn)).toThrow(/JWT_OIDC_DISCOVERY needs JWT_ISSUER/);
    expect(() => loadConfig({ ...secret, JWT_OIDC_DISCOVERY: 'true', JWT_ISSUER: 'https://id.example', JWT_JWKS_URL: 'https://id.example/certs' }, warn)).toThrow(
      /JWT_JWKS_URL or JWT_OIDC_DISCOVERY, not both/,
    );
    expect(() => loadConfig({ ...secret, JWT_JWKS_URL: 'file:///etc/keys' }, warn)).toThrow(/JWT_JWKS_URL/);
  });

  it('a missing JWT_SECRET in production is rejected naming JWT_SECRET', () => {
    const error = thrownBy(() => loadConfig({ NODE_ENV: 'production' }, warn));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('JWT_SECRET');
    expect(warnings).toEqual([]);
  });

  it('a missing JWT_SECRET in development falls back to the development secret and warns', () => {
    const config = loadConfig({ NODE_ENV: 'development' }, warn);
    expect(config.JWT_SECRET).toBe('development-only-secret-change-me-0123456789');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('JWT_SECRET');
  });

  it('a missing JWT_SECRET with NODE_ENV unset (development by default) warns rather than failing', () => {
    const config = loadConfig({}, warn);
    expect(config.NODE_ENV).toBe('development');
    expect(config.JWT_SECRET).toBe('development-only-secret-change-me-0123456789');
    expect(warnings).toHaveLength(1);
  });

  it('empty-string values are treated as unset: defaults apply', () => {
    const config = loadConfig(
      { JWT_SECRET: SECRET, PORT: '', HOST: '', LOG_LEVEL: '', JWT_ISSUER: '', JWT_AUDIENCE: '', NODE_ENV: '' },
      warn,
    );
    expect(config).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'development' });
    expect(config.JWT_ISSUER).toBeUndefined();
    expect(config.JWT_AUDIENCE).toBeUndefined();
  });

  it('an empty JWT_SECRET counts as missing: the development default with a warning', () => {
    expect(loadConfig({ JWT_SECRET: '' }, warn).JWT_SECRET).toBe('development-only-secret-change-me-0123456789');
    expect(warnings).toHaveLength(1);
  });

  it('an empty JWT_SECRET in production counts as missing and is rejected naming JWT_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: '' }, warn)).toThrow(/JWT_SECRET is required/);
  });

  it('with the default argument (process.env), `JWT_SECRET=` counts as missing: the development default with a warning', () => {
    process.env.JWT_SECRET = '';
    expect(loadConfig(undefined, warn).JWT_SECRET).toBe('development-only-secret-change-me-0123456789');
    expect(warnings).toHaveLength(1);
  });

  it('with the default argument (process.env), `JWT_ISSUER=` is treated as unset rather than rejected', () => {
    process.env.JWT_SECRET = SECRET;
    process.env.JWT_ISSUER = '';
    expect(loadConfig(undefined, warn).JWT_ISSUER).toBeUndefined();
  });

  it('an explicitly passed environment is the only source: process.env does not leak into it', () => {
    process.env.JWT_ISSUER = 'from-the-shell';
    process.env.NODE_ENV = 'test';
    const config = loadConfig({ JWT_SECRET: SECRET }, warn);
    expect(config.JWT_ISSUER).toBeUndefined();
    expect(config.NODE_ENV).toBe('development');
  });

  it('unknown variables are dropped from the configuration', () => {
    const config = loadConfig({ JWT_SECRET: SECRET, SOMETHING_ELSE: 'x' }, warn) as unknown as Record<string, unknown>;
    expect(config).not.toHaveProperty('SOMETHING_ELSE');
  });
});
