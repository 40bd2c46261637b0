import { createHmac } from 'node:crypto';

/** The secret the test apps are configured with. */
export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-bytes-long!';

/**
 * Mints a JWT by hand (node:crypto, not jsonwebtoken) so that the tests
 * prove interoperability and can build tokens a library would refuse to.
 */
export function mintToken(
  claims: Record<string, unknown>,
  { secret = TEST_JWT_SECRET, header = { alg: 'HS256', typ: 'JWT' } }: { secret?: string; header?: Record<string, unknown> } = {},
): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode(header)}.${encode(claims)}`;
  const signature = header.alg === 'none' ? '' : createHmac('sha256', secret).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

/** A valid token for `sub` with `role`, expiring in an hour. */
export function tokenFor(sub: string, role?: 'customer' | 'seller' | 'admin', extra: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return mintToken({ sub, ...(role && { role }), iat: now, exp: now + 3600, ...extra });
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
