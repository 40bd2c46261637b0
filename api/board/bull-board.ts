import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { parseAuthorization } from '../../shared/auth/authorization-header';
import { sameSecret } from '../../shared/auth/same-secret';
import type { Config } from '../../shared/config/config-schema';
import { sendError } from '../plugins/error-handler';
import { tooManyRequests } from '../plugins/rate-limit';
import { boardSessions, cookieValue, SESSION_COOKIE, SESSION_SECONDS } from './board-session';
import { signInPage } from './sign-in-page';

export const BULL_BOARD_PATH = '/admin/queues';
export const SIGN_IN_PATH = '/admin/login';
const SIGN_OUT_PATH = '/admin/logout';

/** Where to go after signing in: somewhere on the board, never elsewhere. */
function boardTarget(next: unknown): string {
  return typeof next === 'string' && next.startsWith(`${BULL_BOARD_PATH}`) && !next.includes('//') ? next : BULL_BOARD_PATH;
}

/**
 * Bull Board at /admin/queues for every queue, never open. It admits a
 * request that carries an admin JWT, the board's HTTP Basic credentials
 * (when BULL_BOARD_USER / BULL_BOARD_PASSWORD are set), or a session cookie
 * from the sign-in page at /admin/login — which is how a person opens it in
 * a plain browser: an unauthenticated page view is sent there. The cookie is
 * HttpOnly and SameSite=Strict, signed with a key derived from JWT_SECRET.
 * Other unauthenticated requests answer 401 (with a Basic challenge only when
 * Basic is configured).
 */
export const bullBoardPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const { BULL_BOARD_USER: user, BULL_BOARD_PASSWORD: password } = config;
    const basicEnabled = Boolean(user && password);
    const sessions = boardSessions(config.JWT_SECRET);
    const secureCookie = config.NODE_ENV === 'production';

    const basicUser = (username: string, secret: string) =>
      basicEnabled && sameSecret(username, user!) && sameSecret(secret, password!);
    const adminOf = async (token: string): Promise<string | null> => {
      try {
        const caller = await app.verifyToken(token);
        return caller.role === 'admin' ? caller.id : null;
      } catch {
        return null;
      }
    };
    const allowed = async (request: FastifyRequest): Promise<boolean> => {
      if (sessions.read(cookieValue(request.headers.cookie, SESSION_COOKIE))) return true;
      const { scheme, credentials } = parseAuthorization(request.headers.authorization) ?? {};
      if (scheme === 'basic') {
        const decoded = Buffer.from(credentials!, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        return colon > 0 && basicUser(decoded.slice(0, colon), decoded.slice(colon + 1));
      }
      return scheme === 'bearer' && (await adminOf(credentials!)) !== null;
    };
    const sentCredentials = (request: FastifyRequest) => request.headers.authorization !== undefined;
    const isPageView = (request: FastifyRequest) => request.method === 'GET' && /text\/html/.test(request.headers.accept ?? '');

    const serverAdapter = new FastifyAdapter().setBasePath(BULL_BOARD_PATH);
    createBullBoard({
      queues: [new BullMQAdapter(app.checkoutQueue, { readOnlyMode: config.BULL_BOARD_READ_ONLY })],
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Checkout queues' } },
    });
    await app.register(async (board) => {
      board.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        // a password can be guessed: an address that keeps failing waits before it may try again
        if (sentCredentials(request)) {
          const blockedFor = await app.authFailures.blockedFor(request);
          if (blockedFor > 0) return tooManyRequests(reply, blockedFor);
        }
        if (await allowed(request)) return;
        if (sentCredentials(request)) {
          const blockedFor = await app.authFailures.record(request);
          if (blockedFor > 0) return tooManyRequests(reply, blockedFor);
        }
        if (isPageView(request)) return reply.redirect(`${SIGN_IN_PATH}?next=${encodeURIComponent(request.url)}`, 303);
        if (basicEnabled) reply.header('www-authenticate', 'Basic realm="Bull Board", charset="UTF-8"');
        return sendError(reply, 401, 'UNAUTHORIZED', 'Bull Board needs a sign-in, the board credentials or an admin token');
      });
      await board.register(serverAdapter.registerPlugin(), { prefix: BULL_BOARD_PATH });
    });

    await app.register(async (signIn) => {
      // the sign-in form posts form fields; only these routes accept them
      signIn.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      });
      const page = (reply: FastifyReply, status: number, next: string, error?: string) =>
        reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(signInPage({ basicEnabled, next, error }));

      signIn.get(SIGN_IN_PATH, { schema: { hide: true } }, async (request, reply) =>
        page(reply, 200, boardTarget((request.query as { next?: unknown }).next)),
      );

      signIn.post(SIGN_IN_PATH, { schema: { hide: true } }, async (request, reply) => {
        const form = (request.body ?? {}) as Record<string, string | undefined>;
        const next = boardTarget(form.next);
        const blockedFor = await app.authFailures.blockedFor(request);
        if (blockedFor > 0) {
          return page(reply.header('retry-after', String(blockedFor)), 429, next, `Too many attempts: try again in ${blockedFor} s.`);
        }
        const admin = form.token ? await adminOf(form.token.trim()) : null;
        const who = form.token
          ? admin && `admin:${admin}`
          : basicUser(form.username ?? '', form.password ?? '') && `basic:${form.username}`;
        if (!who) {
          request.log.info({ method: form.token ? 'token' : 'basic' }, 'Bull Board sign-in refused');
          await app.authFailures.record(request);
          return page(reply, 401, next, form.token ? 'That token is not a valid admin token.' : 'Wrong user or password.');
        }
        request.log.info({ who }, 'signed in to Bull Board');
        const cookie = `${SESSION_COOKIE}=${sessions.issue(who)}; Path=/admin; Max-Age=${SESSION_SECONDS}; HttpOnly; SameSite=Strict`;
        return reply.header('set-cookie', secureCookie ? `${cookie}; Secure` : cookie).redirect(next, 303);
      });

      signIn.post(SIGN_OUT_PATH, { schema: { hide: true } }, async (_request, reply) =>
        reply
          .header('set-cookie', `${SESSION_COOKIE}=; Path=/admin; Max-Age=0; HttpOnly; SameSite=Strict`)
          .redirect(SIGN_IN_PATH, 303),
      );
    });
  },
  { name: 'bull-board', dependencies: ['queue', 'auth', 'error-handler', 'rate-limit'] },
);
