import { envSchema } from 'env-schema';
import { ConfigSchema, type Config, type EnvConfig } from './config-schema';

/** A setting that is missing or wrong; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const MIN_SECRET_BYTES = 32;
const DEVELOPMENT_SECRET = 'development-only-secret-change-me-0123456789';
/** Secrets that are public (this file, .env.example): anyone could mint tokens with them. */
export const PUBLIC_SECRETS = [DEVELOPMENT_SECRET, 'change-me-to-a-random-secret-of-at-least-32-bytes'];

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
    parsed = envSchema<EnvConfig>({ schema: ConfigSchema, data: withoutEmptyValues(env), env: false, dotenv: false });
  } catch (error) {
    throw new ConfigError(`Invalid configuration: ${(error as Error).message}`);
  }
  return { ...parsed, JWT_SECRET: jwtSecret(parsed, warn) };
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
