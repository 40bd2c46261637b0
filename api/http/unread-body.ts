import type { FastifyReply, FastifyRequest } from 'fastify';

/** The most of an unread body read and thrown away after the answer, and for how long, before the connection is closed. */
const DISCARD_AT_MOST_BYTES = 16 * 1024 * 1024;
const DISCARD_AT_MOST_MS = 10_000;

/**
 * A request answered before its body was all received (413: too large) gets its answer read by the client: the rest
 * of the body is read and thrown away, and the connection closed only past a bound. Closing at once — what Fastify asks
 * for — resets a connection the client is still sending on, and fetch, undici and browsers then report the reset
 * (EPIPE, "fetch failed") instead of the answer. A body that goes on past the bound, or for too long, is still cut
 * off (by then the client has had the answer): reading it all would let a client keep the server busy.
 */
export function discardUnreadBody(request: FastifyRequest, reply: FastifyReply): void {
  const body = request.raw;
  if (body.complete) return;
  // answered on a connection that stays open: Node reads the rest of the body once the answer is sent
  reply.removeHeader('connection');
  let discarded = 0;
  const cut = () => {
    clearTimeout(timer);
    body.off('data', count);
    body.socket?.destroy();
  };
  const count = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_AT_MOST_BYTES) cut();
  };
  const timer = setTimeout(cut, DISCARD_AT_MOST_MS);
  timer.unref();
  body.on('data', count);
  body.once('end', () => {
    clearTimeout(timer);
    body.off('data', count);
  });
  body.once('close', () => clearTimeout(timer));
}
