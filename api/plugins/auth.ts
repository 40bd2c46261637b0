import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { bearerToken } from '../../shared/auth/authorization-header';
import type { Config } from '../../shared/config/config-schema';
import { createTokenVerifier, InvalidTokenError, TokenProviderUnavailableError } from '../../shared/auth/token-verifier';
import type { AuthUser, Role } from '../../shared/auth/roles';
import { sendError } from './error-handler';
import { tooManyRequests } from './rate-limit';

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook: 401 unless a valid bearer token is present; sets `request.user`. */
    authenticate: onRequestHookHandler;
    /**
     * Verifies a bearer token (pinned algorithms, `exp` required); rejects with InvalidTokenError, or
     * TokenProviderUnavailableError when the identity provider does not answer for a key this process does not hold.
     */
    verifyToken: (token: string) => Promise<AuthUser>;
    /** onRequest hook for one route: 403 unless the caller has one of `roles` (after `authenticate`). */
    requireRole: (...roles: Role[]) => onRequestHookHandler;
  }
  interface FastifyRequest {
    /** The caller, set by `authenticate`. */
    user: AuthUser;
  }
}

/** App tier: JWT bearer authentication and role checks. */
export const authPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const oidc = config.JWT_JWKS_URL !== undefined || config.JWT_OIDC_DISCOVERY;
    const verify = createTokenVerifier({
      secret: config.JWT_SECRET,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      maxAgeSeconds: config.JWT_MAX_AGE_SECONDS,
      ...(oidc && {
        provider: { jwksUrl: config.JWT_JWKS_URL ?? null, rolesClaim: config.JWT_ROLES_CLAIM, refreshSeconds: config.JWT_JWKS_REFRESH_SECONDS },
      }),
    });

    app.decorate('verifyToken', verify);
    app.decorateRequest('user', null as unknown as AuthUser);

    app.decorate('authenticate', async (request: FastifyRequest, reply: FastifyReply) => {
      const token = bearerToken(request.headers.authorization);
      if (!token) return unauthorized(reply, 'Missing or malformed bearer token');
      try {
        request.user = await verify(token);
        // a shopper's cart and orders are theirs: no shared cache keeps a copy
        reply.header('cache-control', 'no-store');
      } catch (error) {
        if (error instanceof TokenProviderUnavailableError) {
          request.log.warn({ reason: error.message }, 'token not verified: identity provider unavailable');
          return sendError(reply.header('retry-after', '5'), 503, 'SERVICE_UNAVAILABLE', 'The identity provider is unavailable, retry shortly');
        }
        if (!(error instanceof InvalidTokenError)) throw error;
        request.log.info({ reason: error.message }, 'token rejected');
        // a JWT cannot be guessed, so no check comes first; an address that keeps failing is slowed down
        const blockedFor = await app.authFailures.record(request);
        if (blockedFor > 0) return tooManyRequests(reply, blockedFor);
        return unauthorized(reply, 'Invalid or expired token');
      }
    });

    app.decorate(
      'requireRole',
      (...roles: Role[]) =>
        async (request: FastifyRequest, reply: FastifyReply) => {
          if (!roles.includes(request.user.role)) {
            return sendError(reply, 403, 'FORBIDDEN', `This action requires the ${roles.join(' or ')} role`);
          }
        },
    );
  },
  { name: 'auth', dependencies: ['error-handler', 'rate-limit'] },
);

function unauthorized(reply: FastifyReply, message: string): FastifyReply {
  return sendError(reply.header('www-authenticate', 'Bearer'), 401, 'UNAUTHORIZED', message);
}
