import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, PUBLIC_SECRETS } from '../../shared/config/load-config';
import { useTestApp } from '../support/test-app';
import { mintToken } from '../support/tokens';

const now = () => Math.floor(Date.now() / 1000);
const HOUR = 3600;

/** Stricter tokens: a bounded lifetime, no future-dated iat, no published secret in production. */
describe('token lifetime', () => {
  const t = useTestApp();
  const cartWith = (claims: Record<string, unknown>) => t.api.request('GET', '/api/cart', { token: mintToken({ sub: 'u1', ...claims }) });

  it.each([
    ['an exp 100 years ahead', { iat: now(), exp: now() + 100 * 365 * 24 * HOUR }],
    ['an exp 25 hours ahead (over JWT_MAX_AGE_SECONDS, 24 h)', { exp: now() + 25 * HOUR }],
    ['an iat ten minutes in the future', { iat: now() + 600, exp: now() + HOUR }],
    ['an iat that is not a number', { iat: 'soon', exp: now() + HOUR }],
  ])('refuses %s with 401', async (_, claims) => {
    const res = await cartWith(claims);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHORIZED');
  });

  it.each([
    ['an exp 24 hours ahead', { iat: now(), exp: now() + 24 * HOUR }],
    ['an iat a few seconds ahead (clock skew)', { iat: now() + 10, exp: now() + HOUR }],
    ['no iat at all', { exp: now() + HOUR }],
  ])('accepts %s', async (_, claims) => {
    expect((await cartWith(claims)).status).toBe(200);
  });
});

describe('JWT_MAX_AGE_SECONDS', () => {
  const t = useTestApp({ JWT_MAX_AGE_SECONDS: '3600' });

  it('bounds the lifetime: a two-hour token is refused, a 30-minute one accepted', async () => {
    const two = await t.api.request('GET', '/api/cart', { token: mintToken({ sub: 'u1', exp: now() + 2 * HOUR }) });
    expect(two.status).toBe(401);
    const half = await t.api.request('GET', '/api/cart', { token: mintToken({ sub: 'u1', exp: now() + HOUR / 2 }) });
    expect(half.status).toBe(200);
  });
});

describe('JWT_SECRET in production', () => {
  const exampleSecret = /^JWT_SECRET=(.*)$/m.exec(readFileSync(path.resolve(__dirname, '../../.env.example'), 'utf8'))![1]!;

  it("knows the .env.example placeholder as a published secret", () => {
    expect(PUBLIC_SECRETS).toContain(exampleSecret);
  });

  it.each([...PUBLIC_SECRETS])('refuses to start with the published secret %s, naming JWT_SECRET', (secret) => {
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret }, () => undefined)).toThrow(/JWT_SECRET/);
  });

  it('accepts a secret of its own', () => {
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'a-secret-of-our-own-that-is-long-enough-42' }).JWT_SECRET).toBe(
      'a-secret-of-our-own-that-is-long-enough-42',
    );
  });
});
