import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { waitFor } from '../../deploy/local/wait-for';
import { startTestApp, type TestApp } from '../support/test-app';
import { mintToken } from '../support/tokens';

const ISSUER_PATH = '/realms/shop';
const AUDIENCE = 'checkout-api';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256' | 'PS256';
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function signingKey(kid: string, alg: SigningKey['alg']): SigningKey {
  const { privateKey, publicKey } =
    alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, alg, privateKey, publicKey };
}

/**
 * An identity provider's key endpoints on loopback: the discovery document and
 * the JWKS of the keys it publishes now; it counts the JWKS fetches and can go down.
 */
async function startProvider(): Promise<{
  issuer: string;
  jwksUrl: string;
  publish: (...keys: SigningKey[]) => void;
  jwksFetches: () => number;
  stop: () => Promise<void>;
}> {
  let published: SigningKey[] = [];
  let fetches = 0;
  let base = '';
  const server: Server = createServer((request, response) => {
    if (request.url === `${ISSUER_PATH}/.well-known/openid-configuration`) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: `${base}${ISSUER_PATH}`, jwks_uri: `${base}${ISSUER_PATH}/certs` }));
      return;
    }
    if (request.url === `${ISSUER_PATH}/certs`) {
      fetches += 1;
      const keys = published.map(({ kid, alg, publicKey }) => ({ ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' }));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer: `${base}${ISSUER_PATH}`,
    jwksUrl: `${base}${ISSUER_PATH}/certs`,
    publish: (...keys) => (published = keys),
    jwksFetches: () => fetches,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const MAIN = signingKey('key-1', 'RS256');
const EC = signingKey('key-ec', 'ES256');
const PSS = signingKey('key-pss', 'PS256');

describe('tokens from an OpenID Connect provider (JWT_JWKS_URL)', () => {
  let provider: Awaited<ReturnType<typeof startProvider>>;
  let t: TestApp;
  /** A token of `key` with the provider's issuer and our audience, valid 5 minutes, unless `claims` say otherwise. */
  const token = (key: SigningKey, claims: Record<string, unknown> = {}) => {
    const payload = { sub: 'oidc-user-1', iss: provider.issuer, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300, ...claims };
    const present = Object.fromEntries(Object.entries(payload).filter(([, value]) => value !== undefined));
    return jwt.sign(present, key.privateKey, { algorithm: key.alg, keyid: key.kid });
  };
  const getCart = (bearer: string) => t.app.inject({ method: 'GET', url: '/api/cart', headers: { authorization: `Bearer ${bearer}` } });

  beforeAll(async () => {
    provider = await startProvider();
    provider.publish(MAIN, EC, PSS);
    t = await startTestApp({
      JWT_JWKS_URL: provider.jwksUrl,
      JWT_ISSUER: provider.issuer,
      JWT_AUDIENCE: AUDIENCE,
      JWT_ROLES_CLAIM: 'realm_access.roles',
      JWT_JWKS_REFRESH_SECONDS: '1',
    });
  });
  afterAll(async () => {
    await t?.close();
    await provider?.stop();
  });

  it('accepts RS256, ES256 and PS256 tokens signed with the published keys', async () => {
    for (const key of [MAIN, EC, PSS]) expect((await getCart(token(key))).statusCode).toBe(200);
  });

  it('takes the role from the configured claim (Keycloak realm roles), a customer when it lists none of ours', async () => {
    const admin = token(MAIN, { sub: 'oidc-admin', realm_access: { roles: ['offline_access', 'admin'] } });
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/orders', headers: { authorization: `Bearer ${admin}` } })).statusCode).toBe(200);
    const plain = token(MAIN, { sub: 'oidc-plain', realm_access: { roles: ['offline_access'] }, role: 'admin' });
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/orders', headers: { authorization: `Bearer ${plain}` } })).statusCode).toBe(403);
  });

  it.each([
    ['a wrong issuer', () => token(MAIN, { iss: 'https://elsewhere.example/realms/shop' })],
    ['a wrong audience', () => token(MAIN, { aud: 'another-api' })],
    ['an expired token', () => token(MAIN, { exp: Math.floor(Date.now() / 1000) - 120 })],
    ['no exp', () => token(MAIN, { exp: undefined })],
    [
      'alg confusion: HS256 signed with the public key as the secret',
      () => jwt.sign({ sub: 'intruder' }, MAIN.publicKey.export({ format: 'pem', type: 'spki' }) as string, { algorithm: 'HS256', keyid: MAIN.kid, issuer: provider.issuer, audience: AUDIENCE, expiresIn: '5m' }),
    ],
    ['an HS256 token with the development secret (refused once a provider is configured)', () => mintToken({ sub: 'dev-user', exp: Math.floor(Date.now() / 1000) + 60 })],
    ['a key the provider does not publish', () => token(signingKey('key-1', 'RS256'))],
  ])('refuses %s with 401', async (_case, make) => {
    const res = await getCart(make());
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('fetches the JWKS again for an unknown kid (key rotation), but forged kids do not flood the provider', async () => {
    const rotated = signingKey('key-2', 'RS256');
    provider.publish(MAIN, rotated);
    // accepted once the API may fetch the JWKS again (JWT_JWKS_REFRESH_SECONDS 1 after the last fetch)
    await waitFor('the rotated key accepted', async () => (await getCart(token(rotated))).statusCode === 200, { timeoutMs: 10_000, intervalMs: 200 });
    const before = provider.jwksFetches();
    const forgedKeys = Array.from({ length: 5 }, (_, i) => signingKey(`forged-${i}`, 'ES256'));
    const forged = await Promise.all(Array.from({ length: 40 }, (_, i) => getCart(token(forgedKeys[i % 5]!))));
    expect(forged.every((res) => res.statusCode === 401)).toBe(true);
    // forty forged tokens at once: one fetch at most
    expect(provider.jwksFetches() - before).toBeLessThanOrEqual(1);
  });

  it('a provider that is down: tokens of keys already held pass, a token of a key not held is 503 (never 500, never accepted)', async () => {
    const held = token(MAIN, { sub: 'oidc-user-2' });
    await provider.stop();
    expect((await getCart(held)).statusCode).toBe(200);
    // a key not held: once the API may fetch the JWKS again (within JWT_JWKS_REFRESH_SECONDS it is simply unknown, 401)
    const notHeld = token(signingKey('key-3', 'RS256'));
    const statuses: number[] = [];
    const unavailable = await waitFor(
      'a 503 for a key not held',
      async () => {
        const res = await getCart(notHeld);
        statuses.push(res.statusCode);
        return res.statusCode === 503 ? res : null;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(unavailable.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(unavailable.headers['retry-after']).toBe('5');
    expect(statuses.every((status) => status === 401 || status === 503)).toBe(true);
  });
});

describe('tokens from an OpenID Connect provider found by discovery (JWT_OIDC_DISCOVERY)', () => {
  let provider: Awaited<ReturnType<typeof startProvider>>;
  let t: TestApp;
  beforeAll(async () => {
    provider = await startProvider();
    provider.publish(MAIN);
    t = await startTestApp({ JWT_OIDC_DISCOVERY: 'true', JWT_ISSUER: provider.issuer, JWT_AUDIENCE: AUDIENCE });
  });
  afterAll(async () => {
    await t?.close();
    await provider?.stop();
  });

  it("verifies tokens against the keys of the issuer's discovery document", async () => {
    const bearer = jwt.sign({ sub: 'discovered-user' }, MAIN.privateKey, { algorithm: 'RS256', keyid: MAIN.kid, issuer: provider.issuer, audience: AUDIENCE, expiresIn: '5m' });
    const res = await t.app.inject({ method: 'GET', url: '/api/cart', headers: { authorization: `Bearer ${bearer}` } });
    expect(res.statusCode).toBe(200);
  });

  it('a provider down before any key was fetched: 503 with Retry-After', async () => {
    const other = await startTestApp({ JWT_OIDC_DISCOVERY: 'true', JWT_ISSUER: 'http://127.0.0.1:1/realms/none', JWT_AUDIENCE: AUDIENCE });
    try {
      const bearer = jwt.sign({ sub: 'u' }, MAIN.privateKey, { algorithm: 'RS256', keyid: MAIN.kid, issuer: 'http://127.0.0.1:1/realms/none', audience: AUDIENCE, expiresIn: '5m' });
      const res = await other.app.inject({ method: 'GET', url: '/api/cart', headers: { authorization: `Bearer ${bearer}` } });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      expect(res.headers['retry-after']).toBe('5');
    } finally {
      await other.close();
    }
  });
});
