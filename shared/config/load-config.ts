import type Ajv from 'ajv';
import { envSchema } from 'env-schema';
import { ConfigSchema, type Config, type EnvConfig } from './config-schema';
import { hashTag, redisTopology, type RedisTopology } from '../redis/redis-topology';

/** A setting that is missing or wrong; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const MIN_SECRET_BYTES = 32;
const DEVELOPMENT_SECRET = 'development-only-secret-change-me-0123456789';
/** Secrets that are public (this file, .env.example): anyone could mint tokens with them. */
export const PUBLIC_SECRETS = [DEVELOPMENT_SECRET, 'change-me-to-a-random-secret-of-at-least-32-bytes'];

let ajv: Ajv | undefined;
/** env-schema's validator (types coerced, defaults applied), made once, knowing the schema's `whenUnset` annotation. */
function validator(): Ajv | { customOptions: (instance: Ajv) => Ajv } {
  return ajv ?? { customOptions: (instance) => (ajv = instance.addKeyword({ keyword: 'whenUnset', schemaType: 'string' })) };
}

/**
 * Validates the environment against the one schema shared by API and worker.
 * Throws a ConfigError naming the variable; `warn` receives non-fatal notices.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = (message) => console.warn(message),
): Config {
  let parsed: EnvConfig;
  try {
    parsed = envSchema<EnvConfig>({ schema: ConfigSchema, data: withoutEmptyValues(env), env: false, dotenv: false, ajv: validator() });
  } catch (error) {
    throw new ConfigError(`Invalid configuration: ${(error as Error).message}`);
  }
  if (parsed.JWT_OIDC_DISCOVERY && !parsed.JWT_ISSUER) {
    throw new ConfigError('Invalid configuration: JWT_OIDC_DISCOVERY needs JWT_ISSUER (the provider whose discovery document names the JWKS)');
  }
  if (parsed.JWT_OIDC_DISCOVERY && parsed.JWT_JWKS_URL) {
    throw new ConfigError('Invalid configuration: set JWT_JWKS_URL or JWT_OIDC_DISCOVERY, not both');
  }
  const redis = topologyOf(parsed);
  return {
    ...parsed,
    JWT_SECRET: jwtSecret(parsed, warn),
    QUEUE_PREFIX: queuePrefix(parsed, redis),
    DATABASE_DIRECT_URL: parsed.DATABASE_DIRECT_URL ?? parsed.DATABASE_URL,
    ML_EVENTS_STREAM: streamName(parsed.ML_EVENTS_STREAM),
    redis,
  };
}

function topologyOf(config: EnvConfig): RedisTopology {
  try {
    return redisTopology(config);
  } catch (error) {
    throw new ConfigError(`Invalid configuration: ${(error as Error).message}`);
  }
}

/** On a Cluster, every queue's keys must share one hash slot: the prefix carries a hash tag. */
function queuePrefix(config: EnvConfig, redis: RedisTopology): string {
  const cluster = redis.kind === 'cluster';
  const prefix = config.QUEUE_PREFIX ?? (cluster ? '{checkout}' : 'checkout');
  if (/[{}]/.test(prefix) && hashTag(prefix) === undefined) {
    throw new ConfigError(`Invalid configuration: QUEUE_PREFIX "${prefix}" has braces that are not a hash tag ({name})`);
  }
  if (cluster && hashTag(prefix) === undefined) {
    throw new ConfigError(
      `Invalid configuration: QUEUE_PREFIX must carry a hash tag with REDIS_CLUSTER_NODES (e.g. {${prefix}}), so each queue's keys share a hash slot`,
    );
  }
  return prefix;
}

function streamName(stream: string): string {
  if (/[{}]/.test(stream) && hashTag(stream) === undefined) {
    throw new ConfigError(`Invalid configuration: ML_EVENTS_STREAM "${stream}" has braces that are not a hash tag ({name})`);
  }
  return stream;
}

function jwtSecret(config: EnvConfig, warn: (message: string) => void): string {
  if (config.JWT_SECRET === undefined) {
    if (config.NODE_ENV === 'production') {
      throw new ConfigError('Invalid configuration: JWT_SECRET is required when NODE_ENV=production');
    }
    warn(
      '!!! JWT_SECRET is not set: using the public development secret. ' +
        'Anyone can mint tokens for this instance. Set JWT_SECRET (32+ bytes) outside development. !!!',
    );
    return DEVELOPMENT_SECRET;
  }
  if (Buffer.byteLength(config.JWT_SECRET, 'utf8') < MIN_SECRET_BYTES) {
    throw new ConfigError(`Invalid configuration: JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  if (config.NODE_ENV === 'production' && PUBLIC_SECRETS.includes(config.JWT_SECRET)) {
    throw new ConfigError('Invalid configuration: JWT_SECRET is a published example value; set a random secret of your own');
  }
  return config.JWT_SECRET;
}

/** `FOO=` in a shell or compose file means "not set", not "set to the empty string". */
function withoutEmptyValues(env: NodeJS.ProcessEnv): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') result[key] = value;
  }
  return result;
}
