import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';

export interface TestUser {
  roles: string[];
  name?: string;
  email?: string;
}

export interface TestProvider {
  /** `iss` of its tokens, exactly: http://127.0.0.1:<port> (no trailing slash). */
  issuer: string;
  close: () => Promise<void>;
}

/**
 * A real OpenID provider (oidc-provider, certified) in this process, in memory:
 * one public SPA client (code + PKCE S256), the built-in development login page
 * (any login, any password; the login is the `sub`), consent skipped (first-party),
 * and RS256 JWT access tokens for `audience` with the user's `roles`.
 */
export async function startTestProvider(options: {
  clientId: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  audience: string;
  users: Record<string, TestUser>;
}): Promise<TestProvider> {
  // oidc-provider is ESM-only: this compiles to require(), and jest.config.js compiles the package to CommonJS
  const { default: Provider, errors } = await import('oidc-provider');
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { audience, users } = options;
  const signingKey = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256' };

  const configuration: Configuration = {
    clients: [
      {
        client_id: options.clientId,
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: options.redirectUris,
        post_logout_redirect_uris: options.postLogoutRedirectUris ?? [],
      },
    ],
    jwks: { keys: [signingKey as any] },
    pkce: { required: () => true },
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris!.some((uri) => new URL(uri).origin === origin),
    findAccount: async (_ctx, sub) => {
      const user = users[sub];
      if (!user) return undefined;
      return { accountId: sub, claims: async () => ({ sub, name: user.name ?? sub, email: user.email, roles: user.roles }) };
    },
    claims: { openid: ['sub'], profile: ['name'], email: ['email'], roles: ['roles'] },
    scopes: ['openid', 'profile', 'email', 'roles', 'checkout'],
    // our own login page (below): devInteractions' pages load Google Fonts (a console error offline) and have no labels
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => audience,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resourceIndicator) => {
          if (resourceIndicator !== audience) throw new errors.InvalidTarget();
          return { scope: 'checkout', audience, accessTokenFormat: 'jwt', accessTokenTTL: 3600, jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    extraTokenClaims: async (_ctx, token) =>
      token.kind === 'AccessToken' && token.accountId && users[token.accountId] ? { roles: users[token.accountId]!.roles } : undefined,
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId });
      grant.addOIDCScope([...(ctx.oidc.requestParamOIDCScopes ?? ['openid'])].join(' '));
      grant.addResourceScope(audience, 'checkout');
      await grant.save();
      return grant;
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<h1>OIDC error</h1><pre id="error">${JSON.stringify(out).replace(/</g, '&lt;')}</pre>`;
    },
    cookies: { keys: ['test-only-cookie-signing-key-0123456789'] },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
  };
  const provider = new Provider(issuer, configuration);
  const providerCallback = provider.callback();
  server.on('request', (req, res) => {
    const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(new URL(req.url ?? '/', issuer).pathname);
    if (!match) return void providerCallback(req, res);
    void interaction(req, res, match[2] !== undefined).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    });
  });
  /** The login page: any known user name, no password (the test chooses who signs in). */
  async function interaction(req: IncomingMessage, res: ServerResponse, submitted: boolean): Promise<void> {
    const details = await provider.interactionDetails(req, res); // throws without the interaction cookie
    if (details.prompt.name !== 'login') throw new Error(`unexpected prompt ${details.prompt.name}`);
    if (!submitted) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Test provider · Sign in</title></head><body>
<h1>Test provider</h1>
<form method="post" action="/interaction/${details.uid}/login">
  <label>User name <input name="login" autocomplete="off" autofocus></label>
  <button type="submit">Sign in</button>
</form></body></html>`,
      );
      return;
    }
    let body = '';
    for await (const chunk of req) body += chunk;
    const login = new URLSearchParams(body).get('login') ?? '';
    const result = users[login]
      ? { login: { accountId: login } }
      : { error: 'access_denied', error_description: `no user ${login}` };
    // answers with a 303 back to /auth/:uid, which goes on to the app's redirect_uri
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
