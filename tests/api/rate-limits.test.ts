import { buildApp } from '../../api/app';
import { newUser } from '../support/actors';
import { injectClient } from '../support/api-client';
import { givenFor } from '../support/given';
import { routesFor } from '../support/routes';
import { useTestApp, useTestAppWithoutRedis } from '../support/test-app';
import { mintToken } from '../support/tokens';

const LOW_LIMITS = {
  RATE_LIMIT_CHECKOUTS_PER_MINUTE: '3',
  RATE_LIMIT_CART_WRITES_PER_MINUTE: '3',
  RATE_LIMIT_CATALOGUE_PER_MINUTE: '3',
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '5',
  BULL_BOARD_USER: 'ops',
  BULL_BOARD_PASSWORD: 'board-secret-1',
};
const CHECKOUT = { contact: 'limit@example.com', address: '1 Limit Road' };
const basic = (password: string) => ({ authorization: `Basic ${Buffer.from(`ops:${password}`).toString('base64')}` });

/** The contract: 429 TOO_MANY_REQUESTS with Retry-After and RateLimit-* headers; per user when authenticated, per address otherwise. */
describe('rate limits', () => {
  const t = useTestApp(LOW_LIMITS);
  const given = givenFor(t.api);
  const api = routesFor(t.api);
  const fromAddress = (remoteAddress: string, options: { method: 'GET'; url: string; headers?: Record<string, string> }) =>
    t.app.inject({ ...options, remoteAddress });

  it('a user over the checkout limit gets 429 with Retry-After and RateLimit-* headers, in the error shape', async () => {
    const { user } = await given.userWithCart();
    const answers = [];
    for (let i = 0; i < 4; i += 1) answers.push(await api.checkout(user, CHECKOUT, { 'idempotency-key': 'same-attempt' }));
    expect(answers.map((res) => res.status)).toEqual([202, 202, 202, 429]);
    expect(answers.map((res) => res.headers['ratelimit-remaining'])).toEqual(['2', '1', '0', '0']);
    const refused = answers[3]!;
    expect(refused.body).toEqual({ statusCode: 429, error: 'Too Many Requests', code: 'TOO_MANY_REQUESTS', message: expect.any(String) });
    expect(refused.headers['ratelimit-limit']).toBe('3');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(Number(refused.headers['ratelimit-reset'])).toBeGreaterThan(0);
  });

  it('counts per user: many users behind one address are not throttled together', async () => {
    const product = await given.product({ stock: 100 });
    const users = [newUser(), newUser(), newUser(), newUser(), newUser()];
    const answers = await Promise.all(users.flatMap((user) => [1, 2, 3].map(() => api.addToCart(user, { product_id: product.id, quantity: 1 }))));
    expect(answers.every((res) => res.status === 200 || res.status === 201)).toBe(true);
    expect((await api.addToCart(users[0]!, { product_id: product.id, quantity: 1 })).status).toBe(429);
  });

  it('requests that arrive together are counted together yet exactly: of 12 at once from one address over a limit of 3, 3 pass, each told its own remaining count', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => fromAddress('10.1.1.9', { method: 'GET', url: '/api/products' })));
    expect(answers.filter((res) => res.statusCode === 200)).toHaveLength(3);
    expect(answers.filter((res) => res.statusCode === 429)).toHaveLength(9);
    const remaining = answers.filter((res) => res.statusCode === 200).map((res) => res.headers['ratelimit-remaining']);
    expect(remaining.sort()).toEqual(['0', '1', '2']);
  });

  it('counts the public catalogue per address', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await fromAddress('10.1.1.1', { method: 'GET', url: '/api/products' })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await fromAddress('10.1.1.2', { method: 'GET', url: '/api/products' })).statusCode).toBe(200);
  });

  it('slows down an address that keeps sending bad tokens, and only that address', async () => {
    const bad = { authorization: `Bearer ${mintToken({ sub: 'u1', exp: Math.floor(Date.now() / 1000) + 60 }, { secret: 'not-the-secret-but-long-enough-1234567' })}` };
    const statuses = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await fromAddress('10.2.2.2', { method: 'GET', url: '/api/cart', headers: bad })).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect((await fromAddress('10.2.2.3', { method: 'GET', url: '/api/cart', headers: bad })).statusCode).toBe(401);
  });

  it('stops guessing the Bull Board password: once over the limit even the right password waits', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await fromAddress('10.3.3.3', { method: 'GET', url: '/admin/queues/api/queues', headers: basic(`guess-${i}`) })).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const right = await fromAddress('10.3.3.3', { method: 'GET', url: '/admin/queues/api/queues', headers: basic('board-secret-1') });
    expect(right.statusCode).toBe(429);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    expect((await fromAddress('10.3.3.4', { method: 'GET', url: '/admin/queues/api/queues', headers: basic('board-secret-1') })).statusCode).toBe(200);
  });

  it('every API process shares the counts (they live in Redis)', async () => {
    const other = await buildApp(t.config, { logger: false });
    try {
      const { user } = await given.userWithCart();
      const product = await given.product({ stock: 100 });
      const here = await api.addToCart(user, { product_id: product.id, quantity: 1 });
      const there = routesFor(injectClient(other));
      const answers = [await there.addToCart(user, { product_id: product.id, quantity: 1 }), await api.addToCart(user, { product_id: product.id, quantity: 1 })];
      expect([here.status, ...answers.map((res) => res.status)]).toEqual([201, 200, 429]);
    } finally {
      await other.close();
    }
  });
});

/** Each process leases a share of a limit from Redis and counts it locally (RATE_LIMIT_LEASE_PERCENT). */
describe('rate limits counted from leases', () => {
  // a limit of 40 reads, leased 10 % (4) at a time
  const t = useTestApp({ RATE_LIMIT_READS_PER_MINUTE: '40', RATE_LIMIT_LEASE_PERCENT: '10' });
  const api = routesFor(t.api);

  it('one process counts every request exactly: RateLimit-Remaining goes down by one each time, 429 past the limit', async () => {
    const user = newUser();
    const answers = [];
    for (let i = 0; i < 41; i += 1) answers.push(await api.getCart(user));
    expect(answers.map((res) => res.headers['ratelimit-remaining'])).toEqual([...Array.from({ length: 40 }, (_, i) => String(39 - i)), '0']);
    expect(answers.map((res) => res.status)).toEqual([...Array.from({ length: 40 }, () => 200), 429]);
  });

  it('the fleet never lets more than the limit through, and refuses at most (processes − 1) × (lease − 1) early', async () => {
    const others = await Promise.all([buildApp(t.config, { logger: false }), buildApp(t.config, { logger: false })]);
    try {
      const processes = [t.api, ...others.map(injectClient)].map(routesFor);
      const user = newUser();
      // 90 reads at once, spread over three processes: together they may pass 40 at most, and at least 40 - 2 × 3
      const answers = await Promise.all(Array.from({ length: 90 }, (_, i) => processes[i % 3]!.getCart(user)));
      const passed = answers.filter((res) => res.status === 200).length;
      expect(answers.filter((res) => res.status !== 200 && res.status !== 429)).toEqual([]);
      expect(passed).toBeLessThanOrEqual(40);
      expect(passed).toBeGreaterThanOrEqual(40 - 2 * 3);
    } finally {
      await Promise.all(others.map((other) => other.close()));
    }
  });
});

describe('rate limits while Redis is down', () => {
  const t = useTestAppWithoutRedis({ ...LOW_LIMITS, RATE_LIMIT_CART_WRITES_PER_MINUTE: '1' });
  const given = givenFor(t.api);
  const api = routesFor(t.api);

  it('fail open: requests go through unthrottled rather than fail', async () => {
    const product = await given.product({ stock: 100 });
    const shopper = newUser();
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await api.addToCart(shopper, { product_id: product.id, quantity: 1 })).status);
    expect(statuses).toEqual([201, 200, 200]);
  });
});

/** A failover answers 503 with Retry-After: a client that retries as told must not be pushed into 429 by its own retries. */
describe('rate limits while the database is unavailable', () => {
  const t = useTestApp({ ...LOW_LIMITS, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/checkout' });
  const api = routesFor(t.api);

  it('checkouts answered 503 are not counted against the checkout limit', async () => {
    const user = newUser();
    const answers = [];
    for (let i = 0; i < 6; i += 1) answers.push(await api.checkout(user, CHECKOUT, { 'idempotency-key': 'retried-as-told' }));
    expect(answers.map((res) => res.status)).toEqual([503, 503, 503, 503, 503, 503]);
    expect(answers.every((res) => res.headers['retry-after'] === '1')).toBe(true);
    // the limit of 3 stays whole: each 503 was given back
    expect(answers.map((res) => res.headers['ratelimit-remaining'])).toEqual(['2', '2', '2', '2', '2', '2']);
  });
});
