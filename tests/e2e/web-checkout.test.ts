import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { newUser, type Actor } from '../support/actors';
import { givenFor } from '../support/given';
import { startStack, type Stack } from '../support/stack';
import { mintToken } from '../support/tokens';
import { startTestProvider, type TestProvider } from '../support/oidc-provider';

/** Building the app (30-60 s on a small CI machine) and two browser journeys against real processes. */
jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '../..');
const WEB = path.join(ROOT, 'web');
/** Screenshots of the key steps, kept after the run (gitignored). */
const ARTIFACTS = path.join(ROOT, 'tests/artifacts/web-checkout');


/** How long the page may take to show what a step expects (the worker may be starting). */
const STEP_TIMEOUT_MS = 30_000;

/** `ng build` (production) of web/ into `outDir`: the test always runs the real build. */
function buildWebApp(outDir: string): Promise<void> {
  const ng = require.resolve('@angular/cli/bin/ng.js', { paths: [WEB] });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ng, 'build', '--configuration', 'production', '--output-path', outDir], {
      cwd: WEB,
      env: { ...process.env, NG_CLI_ANALYTICS: 'false', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ng build exited with ${code}:\n${output}`))));
  });
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The built app on its own origin, as a static host would serve it:
 * files from `root`, index.html for the app's routes, and `config.json`
 * pointing at the API under test (the deployer's runtime setting).
 */
async function serveApp(root: string, config: () => Record<string, unknown>): Promise<{ origin: string; server: Server }> {
  const server = createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://app').pathname);
    if (pathname === '/config.json') {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(config()));
      return;
    }
    let file = path.join(root, path.normalize(pathname));
    const isFile = file.startsWith(root) && statSync(file, { throwIfNoEntry: false })?.isFile();
    // a route of the app (/shop, /orders/…) is index.html; a missing asset is a 404
    if (!isFile) {
      if (path.extname(pathname) !== '') {
        response.writeHead(404).end();
        return;
      }
      file = path.join(root, 'index.html');
    }
    response.writeHead(200, { 'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream' });
    response.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Waits until `locator` shows `text` (Playwright's own waiting) and returns its whole text. */
async function shows(locator: Locator, text: string | RegExp): Promise<string> {
  await locator.filter({ hasText: text }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
  return (await locator.first().innerText()).trim();
}

describe('the Angular checkout (web/) in headless Chromium against real API and worker processes', () => {
  let stack: Stack;
  let browser: Browser;
  let app: { origin: string; server: Server };
  let buildDir: string;
  const given = givenFor(() => stack.api);
  /** The deployer's config.json: the API under test, and (the last journey) the shop's identity provider. */
  const developmentConfig = () => ({ apiBaseUrl: stack.baseUrl });
  let appConfig: () => Record<string, unknown> = developmentConfig;

  beforeAll(async () => {
    buildDir = mkdtempSync(path.join(tmpdir(), 'checkout-web-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    // the app's origin must be known before the API starts: it is the one CORS origin allowed
    app = await serveApp(path.join(buildDir, 'browser'), () => appConfig());
    [stack, browser] = await Promise.all([
      startStack({ CORS_ORIGINS: app.origin }),
      launchChromium(),
      buildWebApp(buildDir),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => app?.server.close(resolve));
    await stack?.stop();
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  });

  /** The worker starts when a test first needs one (the first journey checks out before it runs). */
  const workerRunning = async () => {
    if (stack.workers.length === 0) await stack.startWorker();
  };

  /** A new browser tab on the app; uncaught errors and console errors are kept. */
  async function newPage(): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()} (${message.location().url})`);
    });
    return { page, problems };
  }

  /** A new tab for `who`, signed in through the page's development sign-in. */
  async function signedInPage(who: Actor): Promise<{ page: Page; problems: string[] }> {
    const { page, problems } = await newPage();
    await page.goto(app.origin);
    // not signed in: the guard sends the visitor to the development sign-in
    await page.waitForURL('**/sign-in');
    expect(await shows(page.locator('h2'), 'Development sign-in')).toBe('Development sign-in');
    expect(await shows(page.locator('.dev-warning'), 'For development only')).toContain('npm run token -- --sub alice');
    expect(await shows(page.locator('.api-url'), stack.baseUrl)).toBe(`API: ${stack.baseUrl}`);
    await page.getByLabel('Token').fill(who.token!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/shop');
    expect(await shows(page.getByTestId('user'), who.id)).toBe(who.id);
    return { page, problems };
  }

  const screenshot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  async function checkOut(page: Page): Promise<string> {
    await page.getByLabel('Contact (e-mail or phone)').fill('alice@example.com');
    await page.getByLabel('Delivery address').fill('1 Main Street, Springfield');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.waitForURL('**/orders/*');
    return page.url().split('/orders/')[1]!;
  }

  it('signs in, fills and edits the cart, checks out, sees pending then placed live, and cancels from the history', async () => {
    const kettle = await given.product({ name: 'Pour-over kettle', price: '20.00', stock: 10 });
    await given.product({ name: 'Enamel mug', price: '5.00', stock: 10 });
    const alice = newUser('web-alice');
    const { page, problems } = await signedInPage(alice);

    // the catalogue, as the API lists it
    const kettleRow = page.locator('.product', { hasText: 'Pour-over kettle' });
    expect(await shows(kettleRow, '20.00')).toMatch(/Pour-over kettle\s+20\.00\s+10 in stock/);
    expect(await shows(page.locator('.product', { hasText: 'Enamel mug' }), '5.00')).toMatch(/Enamel mug\s+5\.00\s+10 in stock/);
    expect(await shows(page.locator('.cart'), 'Your cart is empty.')).toContain('Your cart is empty.');
    await screenshot(page, '01-catalogue');

    // two products in, one quantity changed, one line removed: the totals are the API's
    await page.getByRole('button', { name: 'Add Pour-over kettle to cart' }).click();
    await shows(page.locator('.cart-total'), '1 item, total 20.00');
    await page.getByRole('button', { name: 'Add Enamel mug to cart' }).click();
    expect(await shows(page.locator('.cart-total'), '2 items, total 25.00')).toBe('2 items, total 25.00');
    await page.getByLabel('Quantity of Pour-over kettle').fill('3');
    await page.getByLabel('Quantity of Pour-over kettle').press('Tab');
    expect(await shows(page.locator('.line', { hasText: 'Pour-over kettle' }).locator('.line-total'), '60.00')).toBe('60.00');
    expect(await shows(page.locator('.cart-total'), '4 items, total 65.00')).toBe('4 items, total 65.00');
    await screenshot(page, '02-cart-edited');
    await page.getByRole('button', { name: 'Remove Enamel mug' }).click();
    expect(await shows(page.locator('.cart-total'), '3 items, total 60.00')).toBe('3 items, total 60.00');
    expect(await page.locator('.line').allInnerTexts()).toEqual([expect.stringMatching(/^Pour-over kettle\s+20\.00\s+60\.00\s+Remove$/)]);
    expect(await page.getByLabel('Quantity of Pour-over kettle').inputValue()).toBe('3');

    // no worker runs yet: the page shows the order pending, and keeps waiting on it with a long-poll
    const orderPolls: string[] = [];
    const abortedPolls: string[] = [];
    page.on('request', (request) => {
      if (/\/api\/orders\/[^/]+$/.test(new URL(request.url()).pathname)) orderPolls.push(new URL(request.url()).search);
    });
    page.on('requestfailed', (request) => {
      if (request.url().includes('wait=')) abortedPolls.push(request.failure()?.errorText ?? '');
    });
    const firstLongPoll = page.waitForRequest((request) => request.url().includes('?wait=20'));
    const orderId = await checkOut(page);
    expect(await shows(page.getByTestId('order-status'), 'pending')).toBe('pending');
    expect(await shows(page.locator('.status-words'), 'placing it now')).toMatch(/placing it now/);
    await screenshot(page, '03-order-pending');
    expect(await stack.sql('SELECT status FROM orders WHERE id = $1', [orderId])).toEqual([{ status: 'pending' }]);
    // the order now, then (after Retry-After) a request the API holds until the order changes
    await firstLongPoll;
    expect(orderPolls).toEqual(['', '?wait=20']);

    // leaving the page destroys it: takeUntilDestroyed ends the stream and the held request is aborted
    const pollAborted = page.waitForEvent('requestfailed', { predicate: (request) => request.url().includes('?wait=20') });
    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    expect(await shows(page.locator(`tr[data-order-id="${orderId}"] .order-status`), 'pending')).toBe('pending');
    await pollAborted;
    expect(abortedPolls).toEqual(['net::ERR_ABORTED']);

    // back on the order, a worker starts and places it: the long-poll brings the news to the open page
    orderPolls.length = 0;
    await page.getByRole('link', { name: orderId.slice(0, 8) }).click();
    expect(await shows(page.getByTestId('order-status'), 'pending')).toBe('pending');
    await workerRunning();
    expect(await shows(page.getByTestId('order-status'), 'placed')).toBe('placed');
    expect(orderPolls[0]).toBe('');
    expect(orderPolls.slice(1).every((search) => search === '?wait=20')).toBe(true);
    expect(await shows(page.locator('.status-words'), 'Your order is placed')).toMatch(/items are reserved/);
    expect(await shows(page.locator('.order-total'), '3 items, total 60.00')).toBe('3 items, total 60.00');
    expect(await page.locator('.order tbody tr').allInnerTexts()).toEqual([expect.stringMatching(/^Pour-over kettle\s+20\.00\s+3\s+60\.00$/)]);
    expect(await page.locator('.order .history li').allInnerTexts()).toEqual([expect.stringMatching(/^pending at /), expect.stringMatching(/^placed at /)]);
    await screenshot(page, '04-order-placed');
    expect(await stack.sql('SELECT stock FROM products WHERE id = $1', [kettle.id])).toEqual([{ stock: 7 }]);

    // the history lists it; Cancel there gives the stock back
    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    const row = page.locator(`tr[data-order-id="${orderId}"]`);
    expect(await shows(row.locator('.order-status'), 'placed')).toBe('placed');
    expect(await row.innerText()).toMatch(/3\s+60\.00\s+Cancel$/);
    await screenshot(page, '05-history');
    await row.getByRole('button', { name: /^Cancel order/ }).click();
    expect(await shows(row.locator('.order-status'), 'cancelled')).toBe('cancelled');
    expect(await row.getByRole('button').count()).toBe(0);
    await screenshot(page, '06-history-cancelled');
    expect(await stack.sql('SELECT status FROM orders WHERE id = $1', [orderId])).toEqual([{ status: 'cancelled' }]);
    expect(await stack.sql('SELECT stock FROM products WHERE id = $1', [kettle.id])).toEqual([{ stock: 10 }]);

    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('a checkout whose stock is gone by placement time shows the failure reason and details in words, and leaves the cart', async () => {
    await workerRunning();
    const lamp = await given.product({ name: 'Brass desk lamp', price: '12.50', stock: 2 });
    const bob = newUser('web-bob');
    const { page, problems } = await signedInPage(bob);

    await page.getByRole('button', { name: 'Add Brass desk lamp to cart' }).click();
    await shows(page.locator('.cart-total'), '1 item, total 12.50');
    await page.getByLabel('Quantity of Brass desk lamp').fill('2');
    await page.getByLabel('Quantity of Brass desk lamp').press('Tab');
    expect(await shows(page.locator('.cart-total'), '2 items, total 25.00')).toBe('2 items, total 25.00');

    // another shopper takes the last lamps between the cart and the checkout
    await given.productChanged(lamp, { stock: 0 });
    const orderId = await checkOut(page);
    expect(await shows(page.getByTestId('order-status'), 'failed')).toBe('failed');
    expect(await shows(page.getByTestId('failure-reason'), 'ran out of stock')).toBe(
      'Some items ran out of stock before the order could be placed.',
    );
    expect(await shows(page.getByTestId('failure-details'), 'Brass desk lamp')).toBe('Brass desk lamp: you asked for 2, none left.');
    expect(await shows(page.locator('.failure'), 'Your cart is unchanged')).toMatch(/change the quantities and check out again/);
    expect(await page.getByRole('button', { name: 'Cancel order' }).count()).toBe(0);
    await screenshot(page, '07-order-failed-out-of-stock');
    expect(await stack.sql('SELECT status, failure_reason FROM orders WHERE id = $1', [orderId])).toEqual([
      { status: 'failed', failure_reason: 'OUT_OF_STOCK' },
    ]);

    // the cart is as it was; the history shows the failure in words and offers no cancel
    await page.getByRole('link', { name: 'change the quantities' }).click();
    await page.waitForURL('**/shop');
    expect(await shows(page.locator('.cart-total'), '2 items, total 25.00')).toBe('2 items, total 25.00');
    expect(await shows(page.locator('.product', { hasText: 'Brass desk lamp' }), 'Out of stock')).toMatch(/Out of stock/);
    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    const row = page.locator(`tr[data-order-id="${orderId}"]`);
    expect(await shows(row.locator('.order-status'), 'failed')).toMatch(/^failed\s+Some items ran out of stock/);
    expect(await row.getByRole('button').count()).toBe(0);
    await screenshot(page, '08-history-failed');

    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('a token the API refuses is turned away at the sign-in, with the reason in words', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${app.origin}/orders`);
    await page.waitForURL('**/sign-in');
    const now = Math.floor(Date.now() / 1000);
    const forged = mintToken({ sub: 'mallory', iat: now, exp: now + 600 }, { secret: 'not-the-secret-of-this-api-at-all-0000' });
    await page.getByLabel('Token').fill(forged);
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await shows(page.locator('.sign-in .error'), 'did not accept your sign-in token')).toBe(
      'The API did not accept your sign-in token (missing, expired or signed with another secret).',
    );
    expect(page.url()).toBe(`${app.origin}/sign-in`);
    expect(await page.getByTestId('user').count()).toBe(0);

    await page.getByLabel('Token').fill('not a token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await shows(page.locator('.sign-in .error'), 'not a token of the checkout API')).toMatch(/three dot-separated parts/);
    await screenshot(page, '09-sign-in-refused');
    // the browser reports the refused request itself; nothing else may go wrong
    expect(problems.filter((problem) => !/status of 401/.test(problem))).toEqual([]);
    await page.context().close();
  });
  describe("signing in at the shop's OpenID provider (config.json names it)", () => {
    const AUDIENCE = 'http://checkout-api.test';
    let provider: TestProvider;
    let oidcStack: Stack;
    beforeAll(async () => {
      provider = await startTestProvider({
        clientId: 'checkout-web',
        redirectUris: [`${app.origin}/auth/callback`],
        postLogoutRedirectUris: [`${app.origin}/sign-in`],
        audience: AUDIENCE,
        users: { 'oidc-alice': { roles: ['customer'] } },
      });
      // the API verifies the provider's tokens (and refuses development ones)
      oidcStack = await startStack({ CORS_ORIGINS: app.origin, JWT_OIDC_DISCOVERY: 'true', JWT_ISSUER: provider.issuer, JWT_AUDIENCE: AUDIENCE, JWT_ROLES_CLAIM: 'roles' });
      appConfig = () => ({ apiBaseUrl: oidcStack.baseUrl, oidc: { authority: provider.issuer, clientId: 'checkout-web', scope: 'openid profile', name: 'Test OP' } });
    });
    afterAll(async () => {
      appConfig = developmentConfig;
      await oidcStack?.stop();
      await provider?.close();
    });

    it('signs in at the provider (authorization code + PKCE), the API takes its token, a reload keeps the session, signing out ends it', async () => {
      const { page, problems } = await newPage();
      await page.goto(app.origin);
      await page.waitForURL('**/sign-in');
      await page.getByRole('button', { name: 'Sign in with Test OP' }).click();
      await page.waitForURL(`${provider.issuer}/interaction/**`);
      await page.getByLabel('User name').fill('oidc-alice');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${app.origin}/shop`);
      expect(await shows(page.getByTestId('user'), /oidc-alice/)).toContain('oidc-alice');
      expect(await page.locator('.dev-badge').count()).toBe(0);
      // the cart is read with the provider's token (a refused token would send the page back to the sign-in)
      await shows(page.locator('.cart'), 'Your cart is empty.');
      await page.screenshot({ path: path.join(ARTIFACTS, 'oidc-signed-in.png') });
      await page.reload();
      expect(await shows(page.getByTestId('user'), /oidc-alice/)).toContain('oidc-alice');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL('**/sign-in');
      await page.reload();
      await page.waitForURL('**/sign-in');
      expect(await page.getByTestId('user').count()).toBe(0);
      expect(problems).toEqual([]);
    });
  });
});
