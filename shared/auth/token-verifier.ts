import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt, { type JwtPayload, type SignOptions } from 'jsonwebtoken';
import { isRole, type AuthUser, type Role } from './roles';

export interface TokenSettings {
  secret: string;
  issuer?: string;
  audience?: string;
  /** The longest lifetime accepted: a token whose `exp` lies further ahead is refused (default 24 h). */
  maxAgeSeconds?: number;
}

/** How many verified tokens a verifier remembers (a few MB at most). */
export const VERIFIED_TOKENS_KEPT = 10_000;

/** Clocks differ a little: an `iat` up to this far in the future is still accepted. */
export const CLOCK_TOLERANCE_SECONDS = 30;
const DEFAULT_MAX_AGE_SECONDS = 24 * 3600;

/** Only HS256 is accepted: `alg: none` and RS/HS confusion tokens fail verification. */
const ALGORITHMS: jwt.Algorithm[] = ['HS256'];

/** Why a token was refused (logged, never sent: clients get a plain 401). */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/**
 * Verifies bearer tokens against a secret KeyObject made once: given a string,
 * jsonwebtoken would re-derive the key on every call (~50x slower).
 *
 * A client sends the same token with every request (a poll every second), so
 * the verifier remembers the last VERIFIED_TOKENS_KEPT tokens that passed,
 * keyed by the whole token string — the very bytes whose signature was
 * checked. Every check but expiry can only pass again later (nbf, iat and the
 * lifetime bound only get easier as time goes on), so a remembered token is
 * checked for expiry alone, as jsonwebtoken checks it. Refused tokens are
 * never remembered.
 */
export function createTokenVerifier(settings: TokenSettings): (token: string) => AuthUser {
  const verified = new Map<string, { user: AuthUser; exp: number }>();
  const verifySigned = createSignatureVerifier(settings);
  return (token) => {
    const now = Math.floor(Date.now() / 1000);
    const known = verified.get(token);
    if (known && now < known.exp) return known.user;
    verified.delete(token);
    const { user, exp } = verifySigned(token);
    if (verified.size >= VERIFIED_TOKENS_KEPT) verified.delete(verified.keys().next().value!);
    verified.set(token, { user, exp });
    return user;
  };
}

/** Every check of a token: signature (HS256 only), issuer, audience, exp (required), nbf, iat, lifetime, sub, role. */
function createSignatureVerifier(settings: TokenSettings): (token: string) => { user: AuthUser; exp: number } {
  const key: KeyObject = createSecretKey(Buffer.from(settings.secret, 'utf8'));
  const options: jwt.VerifyOptions & { complete: false } = {
    algorithms: ALGORITHMS,
    complete: false,
    ...(settings.issuer && { issuer: settings.issuer }),
    ...(settings.audience && { audience: settings.audience }),
  };
  return (token) => {
    let payload: string | JwtPayload;
    try {
      payload = jwt.verify(token, key, options);
    } catch (error) {
      throw new InvalidTokenError((error as Error).message);
    }
    if (typeof payload === 'string') throw new InvalidTokenError('payload is not a JSON object');
    if (typeof payload.exp !== 'number') throw new InvalidTokenError('exp is required');
    const now = Math.floor(Date.now() / 1000);
    if (payload.exp - now > (settings.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS) + CLOCK_TOLERANCE_SECONDS) {
      throw new InvalidTokenError('exp lies further ahead than JWT_MAX_AGE_SECONDS');
    }
    if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat > now + CLOCK_TOLERANCE_SECONDS)) {
      throw new InvalidTokenError('iat lies in the future');
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 255) {
      throw new InvalidTokenError('sub must be a non-empty string');
    }
    const role: unknown = payload['role'] ?? 'customer';
    if (!isRole(role)) throw new InvalidTokenError('unknown role');
    return { user: { id: payload.sub, role }, exp: payload.exp };
  };
}

/** Mints an HS256 token (development tooling and tests). */
export function signToken(
  settings: TokenSettings,
  claims: { sub: string; role?: Role },
  expiresIn: SignOptions['expiresIn'] = '1h',
): string {
  return jwt.sign({ role: claims.role ?? 'customer' }, createSecretKey(Buffer.from(settings.secret, 'utf8')), {
    algorithm: 'HS256',
    subject: claims.sub,
    expiresIn,
    ...(settings.issuer && { issuer: settings.issuer }),
    ...(settings.audience && { audience: settings.audience }),
  });
}
