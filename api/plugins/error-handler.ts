import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { STATUS_CODES } from 'node:http';
import { discardUnreadBody } from '../http/unread-body';
import { isTransientDatabaseError } from '../../shared/db/sql-errors';
import { AppError, type ErrorCode } from '../../shared/errors/error-codes';
import { isRedisUnavailable } from '../../shared/redis/redis-errors';

/** Fastify's own 4xx errors (bad JSON, body too large, …) mapped onto the catalogue. */
const FRAMEWORK_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_ERROR',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
};

/** Sends the contract's error shape: `{statusCode, error, code, message, ...details}`. */
export function sendError(
  reply: FastifyReply,
  statusCode: number,
  code: string,
  message: string,
  details?: Record<string, unknown>,
): FastifyReply {
  return reply
    .code(statusCode)
    .type('application/json; charset=utf-8')
    .send({ ...details, statusCode, error: STATUS_CODES[statusCode] ?? 'Error', code, message });
}

/**
 * The one error handler: AppErrors and framework 4xx errors become their
 * catalogue code; anything else is a bug, logged in full and answered with a
 * bare 500 that carries no internals.
 */
export const errorHandlerPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
      if (error instanceof AppError) {
        return sendError(reply, error.statusCode, error.code, error.message, error.details);
      }
      if (error.validation) {
        return sendError(reply, 400, 'VALIDATION_ERROR', error.message);
      }
      const status = error.statusCode ?? 500;
      // a body refused while it still comes in (too large): the client reads the answer before the connection closes
      if (status === 413) discardUnreadBody(request, reply);
      const code = FRAMEWORK_CODES[status];
      if (status >= 400 && status < 500 && code) {
        return sendError(reply, status, code, error.message);
      }
      if (isTransientDatabaseError(error) || isRedisUnavailable(error)) {
        request.log.warn({ err: error }, 'infrastructure unavailable');
        return sendError(reply.header('retry-after', '1'), 503, 'SERVICE_UNAVAILABLE', 'Temporarily unavailable, retry shortly');
      }
      request.log.error({ err: error }, 'unhandled error');
      return sendError(reply, 500, 'INTERNAL_ERROR', 'Internal server error');
    });

    app.setNotFoundHandler((request, reply) =>
      sendError(reply, 404, 'NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`),
    );
  },
  { name: 'error-handler' },
);
