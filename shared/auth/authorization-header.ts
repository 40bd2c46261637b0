/** `<scheme> <token68>` (RFC 7235): the scheme is compared case-insensitively, the credentials as sent. */
const AUTHORIZATION = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*) +([A-Za-z0-9_.~+/=-]+) *$/;

/** The scheme (lower-cased) and credentials of an Authorization header; null when absent or malformed. */
export function parseAuthorization(header: string | undefined): { scheme: string; credentials: string } | null {
  const match = AUTHORIZATION.exec(header ?? '');
  return match ? { scheme: match[1]!.toLowerCase(), credentials: match[2]! } : null;
}

/** The bearer token of an Authorization header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const parsed = parseAuthorization(header);
  return parsed?.scheme === 'bearer' ? parsed.credentials : null;
}
