import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { timingSafeEqual } from 'node:crypto';
import { parseAuthorization } from '../../shared/auth/authorization-header';
import type { Config } from '../../shared/config/config-schema';
import { sendError } from './error-handler';

export const BULL_BOARD_PATH = '/admin/queues';

/** Constant-time comparison of two strings (lengths may differ). */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Bull Board at /admin/queues for every queue, never open: 401 unless the
 * request carries an admin JWT or, when BULL_BOARD_USER / BULL_BOARD_PASSWORD
 * are set, those HTTP Basic credentials.
 */
export const bullBoardPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const { BULL_BOARD_USER: user, BULL_BOARD_PASSWORD: password } = config;
    const basicEnabled = Boolean(user && password);
    if (!basicEnabled) app.log.info('Bull Board: admin JWT only (set BULL_BOARD_USER and BULL_BOARD_PASSWORD for HTTP Basic)');
    const allowed = (request: FastifyRequest): boolean => {
      const { scheme, credentials } = parseAuthorization(request.headers.authorization) ?? {};
      if (scheme === 'basic' && basicEnabled) {
        const decoded = Buffer.from(credentials!, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        return colon > 0 && sameSecret(decoded.slice(0, colon), user!) && sameSecret(decoded.slice(colon + 1), password!);
      }
      if (scheme === 'bearer') {
        try {
          return app.verifyToken(credentials!).role === 'admin';
        } catch {
          return false;
        }
      }
      return false;
    };

    const serverAdapter = new FastifyAdapter().setBasePath(BULL_BOARD_PATH);
    createBullBoard({
      queues: [new BullMQAdapter(app.checkoutQueue, { readOnlyMode: config.BULL_BOARD_READ_ONLY })],
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Checkout queues' } },
    });
    await app.register(async (board) => {
      board.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        if (allowed(request)) return;
        return sendError(
          reply.header('www-authenticate', 'Basic realm="Bull Board", charset="UTF-8"'),
          401,
          'UNAUTHORIZED',
          'Bull Board needs the board credentials or an admin token',
        );
      });
      await board.register(serverAdapter.registerPlugin(), { prefix: BULL_BOARD_PATH });
    });
  },
  { name: 'bull-board', dependencies: ['queue', 'auth', 'error-handler'] },
);
