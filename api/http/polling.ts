import type { FastifyReply, FastifyRequest } from 'fastify';

/** Seconds a client should wait before polling a pending order again (`Retry-After`). */
export const POLL_AFTER_SECONDS = 1;

/** Aborted when the client goes away before its answer is sent (also when it went before this was asked). */
export function clientGone(request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const gone = new AbortController();
  if (request.raw.socket?.destroyed) gone.abort();
  else reply.raw.once('close', () => gone.abort());
  return gone.signal;
}
