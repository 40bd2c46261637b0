import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from './wait-for';
import { startDaemon, tolerant, workDirectory, type TopologyRecord } from './daemon';
import { freePorts } from './free-ports';

/** HAProxy in front of API processes on loopback. */
export interface HttpBalancer {
  port: number;
  url: string;
  stop: () => Promise<void>;
  record: () => TopologyRecord;
}

/**
 * The HAProxy configuration in front of the API: round robin over the API
 * processes, each in the rotation while GET /health/ready answers 200
 * (checked every second), a request that found a dead process retried on
 * another (`retry-on`), and the client address passed on (X-Forwarded-For:
 * run the API with TRUST_PROXY for its per-address limits). Long-polls hold
 * a request up to 20 s: the server timeout is longer.
 */
export function httpBalancerConfig({ port, backends, bind = '127.0.0.1' }: { port: number; backends: Array<{ host: string; port: number }>; bind?: string }): string {
  return [
    'global',
    '  maxconn 4000',
    'defaults',
    '  mode http',
    '  option forwardfor',
    '  option http-server-close',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 30s',
    '  timeout check 2s',
    '  retries 2',
    '  option redispatch',
    '  retry-on conn-failure empty-response response-timeout',
    'frontend api',
    `  bind ${bind}:${port}`,
    '  default_backend apis',
    'backend apis',
    '  balance roundrobin',
    '  option httpchk GET /health/ready',
    '  http-check expect status 200',
    '  default-server inter 1s fall 2 rise 1',
    ...backends.map((backend, i) => `  server api${i + 1} ${backend.host}:${backend.port} check`),
    '',
  ].join('\n');
}

/** Starts Debian's HAProxy in front of `backends`; resolves once it answers GET / through one of them. */
export async function startHttpBalancer(backends: Array<{ host: string; port: number }>): Promise<HttpBalancer> {
  const dir = workDirectory('checkout-haproxy');
  const [port] = await freePorts(1);
  const file = path.join(dir.path, 'haproxy.cfg');
  writeFileSync(file, httpBalancerConfig({ port: port!, backends }));
  const daemon = startDaemon('haproxy-http', 'haproxy', ['-db', '-f', file], path.join(dir.path, 'haproxy.log'));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await daemon.stop('SIGTERM');
    dir.remove();
  };
  try {
    await waitFor('HAProxy to pass a request to an API', tolerant(async () => (await fetch(`${url}/`)).ok), { timeoutMs: 30_000, intervalMs: 200 });
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${daemon.tail()}`, { cause: error });
  }
  return { port: port!, url, stop, record: () => ({ pids: daemon.alive() ? [daemon.pid] : [], dirs: [dir.path] }) };
}
