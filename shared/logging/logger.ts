import pino, { type Logger } from 'pino';
import type { Config } from '../config/config-schema';

/** JSON logs for processes outside Fastify (the worker, scripts); Fastify makes its own pino. */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, service: string): Logger {
  return pino({ level: config.LOG_LEVEL, base: { service, pid: process.pid } });
}
