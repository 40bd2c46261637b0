import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt, { type JwtPayload, type SignOptions } from 'jsonwebtoken';
import { JwksClient, SigningKeyNotFoundError } from 'jwks-rsa';
import { singleFlight } from '../async/single-flight';
import { isRole, ROLES, type AuthUser, type Role } from './roles';

export interface TokenSettings {
  secret: string;
  issuer?: string;
  audience?: string;
  /** The longest lifetime accepted: a token whose `exp` lies further ahead is refused (default 24 h). */
  maxAgeSeconds?: number;
  /** An OpenID Connect provider: its tokens, verified against its keys, instead of HS256 ones. */
  provider?: ProviderSettings;
}

export interface ProviderSettings {
  /** The JWKS; null: found in the issuer's discovery document. */
  jwksUrl: string | null;
  /** Where the roles are: a dot path to a string or a list of strings (`realm_access.roles`). */
  rolesClaim: string;
  /** An unknown `kid` fetches the JWKS again at most once per this many seconds. */
  refreshSeconds: number;
}

/** How many verified tokens a verifier remembers (a few MB at most). */
export const VERIFIED_TOKENS_KEPT = 10_000;

/** Clocks differ a little: an `iat` up to this far in the future is still accepted. */
export const CLOCK_TOLERANCE_SECONDS = 30;
const DEFAULT_MAX_AGE_SECONDS = 24 * 3600;

/** Development tokens: HS256 only, so `alg: none` tokens fail verification. */
const SECRET_ALGORITHMS: jwt.Algorithm[] = ['HS256'];
/** A provider's tokens: asymmetric only, so an HS256 token "signed" with a public key fails verification. */
const PROVIDER_ALGORITHMS: jwt.Algorithm[] = ['RS256', 'ES256', 'PS256'];
/** Provider keys are kept this long, and served while the provider is down only within it. */
const KEYS_KEPT_MS = 10 * 60_000;

/** Why a token was refused (logged, never sent: clients get a plain 401). */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/** The identity provider did not answer for a key this process does not hold: the token can be neither trusted nor refused (503). */
export class TokenProviderUnavailableError extends Error {
  override name = 'TokenProviderUnavailableError';
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
export function createTokenVerifier(settings: TokenSettings): (token: string) => Promise<AuthUser> {
  const verified = new Map<string, { user: AuthUser; exp: number }>();
  const verifySigned = createSignatureVerifier(settings);
  return async (token) => {
    const now = Math.floor(Date.now() / 1000);
    const known = verified.get(token);
    if (known && now < known.exp) return known.user;
    verified.delete(token);
    const { user, exp } = await verifySigned(token);
    if (verified.size >= VERIFIED_TOKENS_KEPT) verified.delete(verified.keys().next().value!);
    verified.set(token, { user, exp });
    return user;
  };
}

/** Every check of a token: signature (HS256 with the secret, or the provider's keys), issuer, audience, exp (required), nbf, iat, lifetime, sub, role. */
function createSignatureVerifier(settings: TokenSettings): (token: string) => Promise<{ user: AuthUser; exp: number }> {
  const options: jwt.VerifyOptions & { complete: false } = {
    algorithms: settings.provider ? PROVIDER_ALGORITHMS : SECRET_ALGORITHMS,
    complete: false,
    ...(settings.issuer && { issuer: settings.issuer }),
    ...(settings.audience && { audience: settings.audience }),
  };
  const verifyWithKey = settings.provider ? providerKeyVerifier(settings.provider, settings.issuer, options) : secretVerifier(settings.secret, options);
  const roleOf = settings.provider ? rolesFrom(settings.provider.rolesClaim) : (payload: JwtPayload) => payload['role'] ?? 'customer';
  return async (token) => {
    const payload = await verifyWithKey(token);
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
    const role: unknown = roleOf(payload);
    if (!isRole(role)) throw new InvalidTokenError('unknown role');
    return { user: { id: payload.sub, role }, exp: payload.exp };
  };
}

/** HS256 against a secret KeyObject made once (given a string, jsonwebtoken would re-derive the key on every call). */
function secretVerifier(secret: string, options: jwt.VerifyOptions & { complete: false }): (token: string) => Promise<string | JwtPayload> {
  const key: KeyObject = createSecretKey(Buffer.from(secret, 'utf8'));
  return async (token) => {
    try {
      return jwt.verify(token, key, options);
    } catch (error) {
      throw new InvalidTokenError((error as Error).message);
    }
  };
}

/**
 * A provider's tokens against its JWKS: the key named by the token's `kid`
 * (providerKeys), then jsonwebtoken's checks with the asymmetric algorithms
 * only. A provider that does not answer for a key not held:
 * TokenProviderUnavailableError.
 */
function providerKeyVerifier(
  provider: ProviderSettings,
  issuer: string | undefined,
  options: jwt.VerifyOptions & { complete: false },
): (token: string) => Promise<string | JwtPayload> {
  const keyOf = providerKeys(provider, issuer);
  return (token) => {
    let keyError: unknown;
    const getKey: jwt.GetPublicKeyOrSecret = (header, done) => {
      if (!header.kid) return done(new InvalidTokenError('the token names no key (kid)'));
      keyOf(header.kid).then(
        (key) => done(null, key),
        (error: unknown) => {
          keyError = error;
          done(error as Error);
        },
      );
    };
    return new Promise((resolve, reject) =>
      jwt.verify(token, getKey, options, (error, payload) => {
        if (!error) return resolve(payload!);
        if (keyError instanceof InvalidTokenError || keyError instanceof TokenProviderUnavailableError) return reject(keyError);
        reject(new InvalidTokenError(error.message));
      }),
    );
  };
}

/**
 * The provider's public keys by `kid`, from its JWKS (fetched and converted
 * by jwks-rsa): the whole set is kept for KEYS_KEPT_MS from its fetch. A
 * `kid` not in it (a rotation) fetches the set again — at most once per
 * `refreshSeconds`, however many forged kids arrive; until then it is
 * unknown (401). A fetch that fails: a key held (not expired) still serves,
 * any other is TokenProviderUnavailableError (503).
 */
function providerKeys(provider: ProviderSettings, issuer: string | undefined): (kid: string) => Promise<string> {
  let keys = new Map<string, string>();
  let fetchedAt = 0;
  let lastAttempt = -Infinity;
  let client: JwksClient | undefined;
  const refresh = singleFlight(async () => {
    lastAttempt = Date.now();
    try {
      client ??= new JwksClient({ jwksUri: await jwksUrlOf(provider, issuer), cache: false, rateLimit: false, timeout: 5_000 });
      const fetched = await client.getSigningKeys();
      keys = new Map(fetched.map((key) => [key.kid, key.getPublicKey()]));
      fetchedAt = Date.now();
    } catch (error) {
      if (!client || !(error instanceof SigningKeyNotFoundError)) {
        throw new TokenProviderUnavailableError(`identity provider unavailable: ${(error as Error).message}`);
      }
      keys = new Map(); // the provider answered, with no signing keys
      fetchedAt = Date.now();
    }
  });
  return async (kid) => {
    const fresh = () => Date.now() - fetchedAt < KEYS_KEPT_MS;
    if (fresh() && keys.has(kid)) return keys.get(kid)!;
    const mayRefresh = !fresh() || Date.now() - lastAttempt >= provider.refreshSeconds * 1000;
    if (mayRefresh) await refresh(undefined);
    const key = fresh() ? keys.get(kid) : undefined;
    if (!key) throw new InvalidTokenError(`unknown key ${kid}`);
    return key;
  };
}

/** JWT_JWKS_URL, or the `jwks_uri` of the issuer's OpenID Connect discovery document. */
async function jwksUrlOf(provider: ProviderSettings, issuer: string | undefined): Promise<string> {
  if (provider.jwksUrl) return provider.jwksUrl;
  const discovery = `${issuer!.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const answer = await fetch(discovery, { signal: AbortSignal.timeout(5_000) });
  if (!answer.ok) throw new Error(`${discovery} answered ${answer.status}`);
  const { jwks_uri: jwksUri } = (await answer.json()) as { jwks_uri?: unknown };
  if (typeof jwksUri !== 'string') throw new Error(`${discovery} names no jwks_uri`);
  return jwksUri;
}

/** The caller's role from a provider's claim (a dot path): the highest of ours it lists; none: customer. */
function rolesFrom(claim: string): (payload: JwtPayload) => unknown {
  const path = claim.split('.');
  return (payload) => {
    const value: unknown = path.reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined), payload);
    const listed = Array.isArray(value) ? value : value === undefined ? [] : [value];
    return [...ROLES].reverse().find((role) => listed.includes(role)) ?? 'customer';
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
