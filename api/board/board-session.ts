import { createHmac, timingSafeEqual } from 'node:crypto';

/** The cookie that keeps an operator signed in to Bull Board. */
export const SESSION_COOKIE = 'board_session';
/** A sign-in lasts a working day. */
export const SESSION_SECONDS = 8 * 3600;

export interface BoardSession {
  /** Who signed in: `admin:<sub>` (admin token) or `basic:<user>`. */
  who: string;
  /** Unix seconds. */
  exp: number;
}

/**
 * Signs and reads Bull Board sessions: `<payload>.<HMAC>`, keyed by a key
 * derived from JWT_SECRET for this purpose only, so a session cookie is no
 * API token and an API token is no session.
 */
export function boardSessions(secret: string) {
  const key = createHmac('sha256', secret).update('bull-board-session').digest();
  const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  return {
    issue(who: string, now = Date.now()): string {
      const payload = Buffer.from(JSON.stringify({ who, exp: Math.floor(now / 1000) + SESSION_SECONDS })).toString('base64url');
      return `${payload}.${sign(payload)}`;
    },
    /** The session, or null when the value is forged, malformed or expired. */
    read(value: string | undefined, now = Date.now()): BoardSession | null {
      const [payload, signature, ...rest] = (value ?? '').split('.');
      if (!payload || !signature || rest.length > 0) return null;
      const expected = Buffer.from(sign(payload));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
      try {
        const session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as BoardSession;
        return typeof session.who === 'string' && typeof session.exp === 'number' && session.exp * 1000 > now ? session : null;
      } catch {
        return null;
      }
    },
  };
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
