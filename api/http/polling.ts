import type { FastifyReply, FastifyRequest } from 'fastify';

/** Seconds a client should wait before polling a pending order again (`Retry-After`). */
export const POLL_AFTER_SECONDS = 1;

/** Aborted when the client goes away before its answer is sent (also when it went before this was asked). */
export function clientGone(request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const gone = new AbortController();
  if (request.raw.socket?.destroyed) gone.abort();
  // 'close' comes after every answer too: an answer sent in full aborts nothing (an abort builds an AbortError)
  else reply.raw.once('close', () => reply.raw.writableFinished || gone.abort());
  return gone.signal;
}
