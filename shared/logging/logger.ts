import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from '../config/config-schema';

/**
 * What never reaches a log line, in every process: credentials (Authorization,
 * cookies, the Idempotency-Key) and the shopper's contact and address
 * wherever an object carries them. Errors go through `serializeError`, which
 * drops the SQL text and bind parameters drivers attach.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["idempotency-key"]',
  // explicit paths, no wildcards: every log line pays for each pattern
  'contact',
  'address',
  'body.contact',
  'body.address',
  'order.contact',
  'order.address',
];

/**
 * An error as it is logged: its class, message, SQLSTATE (or errno code) and
 * stack. Not its enumerable extras: Sequelize hangs the statement (`sql`) and
 * its bind `parameters` — a customer's contact, address, user id and
 * Idempotency-Key — on the error and on its `original`/`parent`, and pg's
 * `detail` can quote row values.
 */
export function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const { code, original } = error as { code?: unknown; original?: { code?: unknown } };
  const sqlState = original?.code ?? code;
  return {
    type: error.name,
    message: error.message,
    ...(typeof sqlState === 'string' && { code: sqlState }),
    stack: error.stack,
  };
}

/** The pino settings of every process of the service (Fastify's logger takes the same). */
export function logOptions(config: Pick<Config, 'LOG_LEVEL'>): LoggerOptions {
  return {
    level: config.LOG_LEVEL,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError, error: serializeError },
  };
}

/** A log that warns: what shared code reports trouble to (pino's Logger and Fastify's fit). */
export interface WarnLog {
  warn: (object: object, message: string) => void;
}

/** JSON logs for processes outside Fastify (the worker, scripts); Fastify builds its own pino with `logOptions`. */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, service: string, destination?: DestinationStream): Logger {
  const options = { ...logOptions(config), base: { service, pid: process.pid } };
  return destination ? pino(options, destination) : pino(options);
}
