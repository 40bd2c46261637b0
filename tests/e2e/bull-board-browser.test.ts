import { chromium, type Browser } from 'playwright-core';
import { startStack, type Stack } from '../support/stack';

jest.setTimeout(90_000);

/** Debian's Chromium (installed by .ci/run); test tools cannot download their own browser here. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('Bull Board in a real browser', () => {
  let stack: Stack;
  let browser: Browser;
  beforeAll(async () => {
    stack = await startStack({ BULL_BOARD_USER: 'ops', BULL_BOARD_PASSWORD: 'board-secret-1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it.each([
    ['without credentials', undefined],
    ['with a wrong password', { username: 'ops', password: 'not-the-password' }],
  ])('%s the browser is challenged with a 401 and never sees the dashboard', async (_, httpCredentials) => {
    const context = await browser.newContext(httpCredentials ? { httpCredentials } : {});
    const page = await context.newPage();
    const challenges: Array<{ status: number; authenticate?: string }> = [];
    page.on('response', (response) => {
      if (response.url().endsWith('/admin/queues')) {
        challenges.push({ status: response.status(), authenticate: response.headers()['www-authenticate'] });
      }
    });
    // headless Chromium cannot show a login prompt: the navigation either fails on the challenge or shows the 401
    const response = await page.goto(`${stack.baseUrl}/admin/queues`).catch((error: Error) => {
      expect(error.message).toMatch(/ERR_INVALID_AUTH_CREDENTIALS/);
      return null;
    });
    if (response) {
      expect(response.status()).toBe(401);
      expect(await response.text()).not.toContain('<html');
    }
    expect(challenges.length).toBeGreaterThan(0);
    expect(challenges.every((c) => c.status === 401 && /^Basic realm=/.test(c.authenticate ?? ''))).toBe(true);
    await context.close();
  });

  it('with the board credentials the dashboard renders the checkout queue', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'ops', password: 'board-secret-1' } });
    const page = await context.newPage();
    const response = await page.goto(`${stack.baseUrl}/admin/queues`);
    expect(response?.status()).toBe(200);
    await page.getByText('checkout', { exact: true }).first().waitFor({ timeout: 20_000 });
    await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/bull-board.png` });
    await context.close();
  });
});
