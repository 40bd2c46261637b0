import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export type HealthCheck = () => Promise<{ healthy: boolean; checks: Record<string, string> }>;

/**
 * A worker process's GET /metrics (Prometheus text), GET /health (200, or
 * 503 naming what is down) and GET /health/live (200 while the process
 * answers: what a liveness probe asks, so a database failover never gets
 * workers restarted).
 */
export async function startMetricsServer(
  registry: Registry,
  health: HealthCheck,
  host: string,
  port: number,
): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const reply = (status: number, type: string, body: string) =>
      response.writeHead(status, { 'content-type': type }).end(body);
    const handle = async () => {
      if (request.method !== 'GET') return reply(405, 'application/json', '{"error":"method not allowed"}');
      if (path === '/metrics') return reply(200, registry.contentType, await registry.metrics());
      if (path === '/health/live') return reply(200, 'application/json', '{"status":"ok"}');
      if (path === '/health') {
        const { healthy, checks } = await health();
        return reply(healthy ? 200 : 503, 'application/json', JSON.stringify({ status: healthy ? 'ok' : 'unavailable', checks }));
      }
      return reply(404, 'application/json', '{"error":"not found"}');
    };
    handle().catch(() => reply(500, 'application/json', '{"error":"internal"}'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
