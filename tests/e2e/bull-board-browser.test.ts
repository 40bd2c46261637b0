import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { actor } from '../support/actors';
import { givenFor } from '../support/given';
import { startStack, type Stack } from '../support/stack';
import { tokenFor } from '../support/tokens';

jest.setTimeout(90_000);

const SCREENSHOTS = process.env.TMPDIR ?? '/tmp';

/** An operator opens Bull Board in a plain browser: no header injection, no extension. */
describe('Bull Board in a real browser', () => {
  let stack: Stack;
  let browser: Browser;
  const given = givenFor(() => stack.api);
  beforeAll(async () => {
    stack = await startStack({ BULL_BOARD_USER: 'ops', BULL_BOARD_PASSWORD: 'board-secret-1' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function openBoard(): Promise<{ page: Page; close: () => Promise<void>; challenges: string[] }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const challenges: string[] = [];
    page.on('response', (response) => {
      const challenge = response.headers()['www-authenticate'];
      if (challenge) challenges.push(challenge);
    });
    await page.goto(`${stack.baseUrl}/admin/queues`);
    return { page, close: () => context.close(), challenges };
  }

  it('without credentials the browser lands on the sign-in page, with no login prompt and no dashboard', async () => {
    const { page, close, challenges } = await openBoard();
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.getByRole('heading', { name: 'Checkout queues' }).waitFor();
    expect(await page.getByText('Sign in to open Bull Board.').isVisible()).toBe(true);
    expect(challenges).toEqual([]);
    await close();
  });

  it('a wrong password keeps the person on the sign-in page with the reason', async () => {
    const { page, close } = await openBoard();
    await page.getByLabel('User').fill('ops');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Wrong user or password');
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await close();
  });

  it('signs in with the board credentials and shows the checkout queue, failed jobs with their reason', async () => {
    // a checkout that fails for want of stock, so the board has a failed job to show
    const product = await given.product({ price: '3.00', stock: 2 });
    const shopper = actor('board-shopper');
    await given.cart(shopper, product, 2);
    await given.productChanged(product, { stock: 1 });
    await given.checkoutOk(shopper);
    const worker = await stack.startWorker();
    await worker.waitForLine(/"msg":"order failed"/);

    const { page, close } = await openBoard();
    await page.getByLabel('User').fill('ops');
    await page.getByLabel('Password').fill('board-secret-1');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${stack.baseUrl}/admin/queues`);
    await page.getByText('checkout', { exact: true }).first().waitFor({ timeout: 20_000 });
    await page.screenshot({ path: `${SCREENSHOTS}/bull-board.png` });

    await page.goto(`${stack.baseUrl}/admin/queues/queue/checkout?status=failed`);
    await page.getByText(`OUT_OF_STOCK: not enough stock (${product.id}: requested 2, available 1)`).first().waitFor({ timeout: 20_000 });
    await page.screenshot({ path: `${SCREENSHOTS}/bull-board-failed.png` });
    expect(await page.content()).not.toMatch(/\/work\/|node_modules|\.ts:\d+/);
    await close();
  });

  it('signs in with an admin token', async () => {
    const { page, close } = await openBoard();
    await page.getByLabel('Token').fill(tokenFor('ops-admin', 'admin'));
    await page.getByRole('button', { name: 'Sign in with token' }).click();
    await page.waitForURL(`${stack.baseUrl}/admin/queues`);
    await page.getByText('checkout', { exact: true }).first().waitFor({ timeout: 20_000 });
    await close();
  });
});
