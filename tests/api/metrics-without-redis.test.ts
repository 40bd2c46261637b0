import { useTestAppWithoutRedis } from '../support/test-app';

const METRICS_TOKEN = 'scrape-token-0123456789abcdef';

/** A scrape while Redis is unreachable still answers: what Redis would have said is missing, and the dependency is reported down. */
describe('GET /metrics while Redis is unreachable', () => {
  const t = useTestAppWithoutRedis({ METRICS_TOKEN });

  it('answers 200 with checkout_dependency_up{dependency="redis"} 0 and no queue figures', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/^checkout_dependency_up\{dependency="redis"\} 0$/m);
    expect(res.body).toMatch(/^checkout_dependency_up\{dependency="postgres"\} 1$/m);
    expect(res.body).not.toMatch(/^checkout_queue_jobs\{/m);
    expect(res.body).toMatch(/^checkout_orders_pending \d+$/m);
  });
});
