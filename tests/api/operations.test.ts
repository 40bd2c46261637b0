import { waitFor } from '../../deploy/local/wait-for';
import { startTestApp, type TestApp } from '../support/test-app';
import { bearer, tokenFor } from '../support/tokens';

const BOARD = { BULL_BOARD_USER: 'ops', BULL_BOARD_PASSWORD: 'board-secret-1' };
const METRICS_TOKEN = 'scrape-token-0123456789abcdef';
const SCRAPER = { authorization: `Bearer ${METRICS_TOKEN}` };
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

describe('operations endpoints of the API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ...BOARD, METRICS_TOKEN });
  });
  afterAll(() => t.close());

  describe('GET /metrics', () => {
    it('serves Prometheus text with request durations labelled by route pattern', async () => {
      const productId = (
        await t.sql<{ id: string }>(`INSERT INTO products (name, price, stock) VALUES ('m', 1, 5) RETURNING id`)
      )[0]!.id;
      await t.app.inject({ method: 'GET', url: `/api/products/${productId}` });
      const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: SCRAPER });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/api\/products\/:id"[^}]*status_code="200"/);
      expect(res.body).not.toContain(productId);
      // an app built in-process starts no process monitors: api/main.ts hands them over (tests/ops/prometheus-rules scrapes them)
      expect(res.body).not.toMatch(/^process_cpu_user_seconds_total /m);
    });

    it.each([
      ['no credentials', {}],
      ['a wrong metrics token', { authorization: 'Bearer scrape-token-wrong-0123456789' }],
      ['a customer token', bearer(tokenFor('alice'))],
      ['the board Basic credentials', basic('ops', 'board-secret-1')],
    ])('answers 401 with %s, and shows nothing', async (_, headers) => {
      const res = await t.app.inject({ method: 'GET', url: '/metrics', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.json()).toMatchObject({ code: 'UNAUTHORIZED' });
      expect(res.body).not.toContain('http_request_duration_seconds');
    });

    it('opens to an admin token as well as to METRICS_TOKEN', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(tokenFor('a1', 'admin')) });
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatch(/^# HELP checkouts_accepted_total/m);
    });

    it('counts accepted checkouts, replays separately', async () => {
      const [product] = await t.sql<{ id: string }>(`INSERT INTO products (name, price, stock) VALUES ('c', 2, 5) RETURNING id`);
      const token = tokenFor('metrics-user');
      await t.app.inject({ method: 'POST', url: '/api/cart', headers: bearer(token), payload: { product_id: product!.id } });
      const checkout = () =>
        t.app.inject({
          method: 'POST',
          url: '/api/checkout',
          headers: { ...bearer(token), 'idempotency-key': 'metrics-1' },
          payload: { contact: 'm@example.com', address: '1 Metric Road' },
        });
      expect((await checkout()).statusCode).toBe(202);
      expect((await checkout()).statusCode).toBe(202);
      const { body } = await t.app.inject({ method: 'GET', url: '/metrics', headers: SCRAPER });
      expect(body).toMatch(/^checkouts_accepted_total\{replayed="false"\} 1$/m);
      expect(body).toMatch(/^checkouts_accepted_total\{replayed="true"\} 1$/m);
    });

    it("reports the checkout queue's depth by state, so an autoscaler can read it while no worker runs", async () => {
      const queue = t.app.checkoutQueue;
      await queue.obliterate({ force: true });
      await queue.add('place-order', { orderId: 'depth-1', userId: 'u' }, { jobId: 'depth-1' });
      await queue.add('place-order', { orderId: 'depth-2', userId: 'u' }, { jobId: 'depth-2' });
      await queue.add('place-order', { orderId: 'depth-3', userId: 'u' }, { jobId: 'depth-3', delay: 60_000 });
      const { body } = await t.app.inject({ method: 'GET', url: '/metrics', headers: SCRAPER });
      expect(body).toMatch(/^checkout_queue_jobs\{state="waiting"\} 2$/m);
      expect(body).toMatch(/^checkout_queue_jobs\{state="delayed"\} 1$/m);
      expect(body).toMatch(/^checkout_queue_jobs\{state="prioritized"\} 0$/m);
      expect(body).toMatch(/^checkout_queue_oldest_waiting_job_age_seconds \d/m);
      await queue.obliterate({ force: true });
    });

    it('exports pending orders and the age of the oldest, and the database pool in use, idle and waited for', async () => {
      const pendingNow = (body: string) => Number(/^checkout_orders_pending (\d+)$/m.exec(body)?.[1]);
      const before = pendingNow((await t.app.inject({ method: 'GET', url: '/metrics', headers: SCRAPER })).body);
      await t.sql(`INSERT INTO orders (id, user_id, status, contact, address, created_at)
                   VALUES (gen_random_uuid(), 'metrics-user-1', 'pending', 'c', 'a', now() - interval '90 seconds'),
                          (gen_random_uuid(), 'metrics-user-2', 'pending', 'c', 'a', now())`);
      try {
        const { body } = await t.app.inject({ method: 'GET', url: '/metrics', headers: SCRAPER });
        expect(pendingNow(body)).toBe(before + 2);
        const oldest = Number(/^checkout_oldest_pending_order_age_seconds (\S+)$/m.exec(body)?.[1]);
        expect(oldest).toBeGreaterThanOrEqual(90);
        expect(oldest).toBeLessThan(200);
        expect(body).toMatch(/^db_pool_connections\{state="in_use"\} \d+$/m);
        expect(body).toMatch(/^db_pool_connections\{state="idle"\} \d+$/m);
        expect(body).toMatch(/^db_pool_waiting_requests 0$/m);
        expect(body).toMatch(/^checkout_dependency_up\{dependency="postgres"\} 1$/m);
        expect(body).toMatch(/^checkout_dependency_up\{dependency="redis"\} 1$/m);
      } finally {
        await t.sql(`DELETE FROM orders WHERE user_id IN ('metrics-user-1', 'metrics-user-2')`);
      }
    });
  });

  describe('Bull Board at /admin/queues', () => {
    it.each([
      ['no credentials', {}],
      ['a wrong password', basic('ops', 'wrong-password')],
      ['a wrong user', basic('root', 'board-secret-1')],
      ['a customer token', bearer(tokenFor('alice'))],
      ['a seller token', bearer(tokenFor('s1', 'seller'))],
      ['an expired admin token', bearer(tokenFor('a1', 'admin', { exp: Math.floor(Date.now() / 1000) - 10 }))],
    ])('answers 401 with a Basic challenge for %s', async (_, headers) => {
      for (const url of ['/admin/queues', '/admin/queues/api/queues']) {
        const res = await t.app.inject({ method: 'GET', url, headers });
        expect(res.statusCode).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
        expect(res.json()).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
      }
    });

    it('opens with the board credentials or an admin token, and lists the checkout queue read-only', async () => {
      const page = await t.app.inject({ method: 'GET', url: '/admin/queues', headers: basic('ops', 'board-secret-1') });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      // the UI's scripts are served too (relative to the board's base path)
      const script = /src="(static\/js\/[^"]+\.js)"/.exec(page.body)![1];
      const asset = await t.app.inject({ method: 'GET', url: `/admin/queues/${script}`, headers: basic('ops', 'board-secret-1') });
      expect(asset.statusCode).toBe(200);
      expect(asset.headers['content-type']).toMatch(/javascript/);
      const api = await t.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: bearer(tokenFor('a1', 'admin')) });
      expect(api.statusCode).toBe(200);
      const queues = api.json().queues as Array<{ name: string; readOnlyMode: boolean }>;
      expect(queues.map((queue) => [queue.name, queue.readOnlyMode])).toEqual([['checkout', true]]);
    });
  });
});

describe('Bull Board without Basic credentials configured', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('is never open: 401 without credentials and for any Basic pair, an admin token still opens it', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/admin/queues' })).statusCode).toBe(401);
    const anyBasic = await t.app.inject({ method: 'GET', url: '/admin/queues', headers: basic('ops', 'board-secret-1') });
    expect(anyBasic.statusCode).toBe(401);
    const emptyBasic = await t.app.inject({ method: 'GET', url: '/admin/queues', headers: basic('', '') });
    expect(emptyBasic.statusCode).toBe(401);
    const admin = await t.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: bearer(tokenFor('a1', 'admin')) });
    expect(admin.statusCode).toBe(200);
  });
});

describe('API shutdown with a long-poll waiting', () => {
  // the test closes its app itself, while the long-poll waits; failing before that, it would leave it open (its Redis
  // connections then keep the jest worker from exiting)
  let open: TestApp | undefined;
  afterAll(async () => {
    await open?.close();
  });

  it('answers the waiting long-poll at once instead of holding the shutdown', async () => {
    const t = (open = await startTestApp());
    const [product] = await t.sql<{ id: string }>(`INSERT INTO products (name, price, stock) VALUES ('w', 1, 5) RETURNING id`);
    const token = tokenFor('waiter');
    await t.app.inject({ method: 'POST', url: '/api/cart', headers: bearer(token), payload: { product_id: product!.id } });
    const accepted = await t.app.inject({
      method: 'POST',
      url: '/api/checkout',
      headers: bearer(token),
      payload: { contact: 'w@example.com', address: '1 Wait Street' },
    });
    const started = Date.now();
    const poll = t.app.inject({ method: 'GET', url: `/api/orders/${accepted.json().order_id}?wait=20`, headers: bearer(token) });
    await waitFor('the long-poll to be waiting', async () => t.app.orderWaiter.stats().waiting === 1);
    open = undefined;
    await t.close();
    const res = await poll;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('pending');
  });
});

describe('Bull Board with BULL_BOARD_READ_ONLY=false', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ...BOARD, BULL_BOARD_READ_ONLY: 'false' });
  });
  afterAll(() => t.close());

  it('lets operators act on jobs', async () => {
    const api = await t.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: basic('ops', 'board-secret-1') });
    expect(api.json().queues[0].readOnlyMode).toBe(false);
  });
});
