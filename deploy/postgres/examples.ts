import path from 'node:path';
import { haproxyConfig, patroniConfig } from '../local/patroni';
import { pgbouncerIni } from '../local/pgbouncer';

/**
 * The configuration files of deploy/postgres/, made by the same functions
 * that configure the servers the tests start (deploy/local/): what the docs
 * show is what was tested, with production's addresses and authentication.
 * `npm run deploy:examples` writes them; a test keeps them current.
 */
export function postgresExamples(): Record<string, string> {
  const nodes = [
    { name: 'pg1', host: '10.0.0.11', pgPort: 5432, restPort: 8008, dataDir: '/var/lib/postgresql/15/pg1' },
    { name: 'pg2', host: '10.0.0.12', pgPort: 5432, restPort: 8008, dataDir: '/var/lib/postgresql/15/pg2' },
  ];
  const patroni = Object.fromEntries(
    nodes.map((node) => [
      `patroni-${node.name}.yml`,
      patroniConfig({
        scope: 'checkout',
        node,
        etcdHosts: '10.0.0.21:2379,10.0.0.22:2379,10.0.0.23:2379',
        ttl: 10,
        loopWait: 2,
        dir: '/var/run/postgresql',
        host: node.host,
        network: '10.0.0.0/24',
        auth: 'scram-sha-256',
      }),
    ]),
  );
  return {
    'haproxy.cfg': haproxyConfig({ port: 5000, bind: '0.0.0.0', nodes }),
    ...patroni,
    'pgbouncer.ini': pgbouncerIni({
      port: 6432,
      // through HAProxy: the pooler follows a failover like any client
      server: { host: '10.0.0.30', port: 5000 },
      poolMode: 'transaction',
      poolSize: 40,
      dir: '/etc/pgbouncer',
      listenAddress: '0.0.0.0',
      auth: 'scram-sha-256',
      files: { auth: '/etc/pgbouncer/userlist.txt', log: '/var/log/postgresql/pgbouncer.log', pid: '/var/run/postgresql/pgbouncer.pid' },
    }),
  };
}

/** Where the examples live. */
export const EXAMPLES_DIR = path.resolve(__dirname);
