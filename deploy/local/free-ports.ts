import net from 'node:net';

/** Whether a TCP port on 127.0.0.1 can be listened on now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Ports handed out by this process, so two topologies started together never pick the same one. */
const taken = new Set<number>();

/**
 * `count` free loopback ports. `alsoFree` lists offsets that must be free
 * too (Redis Cluster's bus listens on port + 10000). Ports are drawn from
 * 20000-44999 at random, below the kernel's ephemeral range.
 */
export async function freePorts(count: number, { alsoFree = [] as number[] } = {}): Promise<number[]> {
  const ports: number[] = [];
  for (let tries = 0; ports.length < count; tries += 1) {
    if (tries > 10_000) throw new Error(`no ${count} free loopback ports found`);
    const port = 20_000 + Math.floor(Math.random() * 25_000);
    if (taken.has(port) || ports.includes(port)) continue;
    const candidates = [port, ...alsoFree.map((offset) => port + offset)];
    if ((await Promise.all(candidates.map(isFree))).every(Boolean)) {
      ports.push(port);
      taken.add(port);
    }
  }
  return ports;
}
