import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * A host of its own on this machine: a network namespace joined to the
 * machine by a veth pair (as root). Processes started in it reach the
 * machine only at `machineAddress`; `partition()` drops every packet in and
 * out of the host (iptables in its namespace) — nothing is reset or refused,
 * as when a host drops off the network — and `heal()` lets them through again.
 */
export interface LocalHost {
  name: string;
  /** The machine's address as seen from the host. */
  machineAddress: string;
  /** The host's own address. */
  address: string;
  /** `command` and `args` to run something in the host (`ip netns exec …`). */
  wrap: (command: string, args: string[]) => { command: string; args: string[] };
  partition: () => void;
  heal: () => void;
  remove: () => void;
}

let subnets = 0;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Whether this process may make hosts (root, and `ip netns` works here). */
export function canMakeHosts(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = `ck-probe-${randomBytes(3).toString('hex')}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return true;
  } catch {
    return false;
  }
}

/** Makes a host: namespace, veth pair, addresses 10.<a>.<b>.1 (machine side) and .2 (host side). */
export function createHost(): LocalHost {
  const id = randomBytes(3).toString('hex');
  const name = `ck-${id}`;
  const outside = `ckh${id}`;
  const inside = `ckn${id}`;
  subnets += 1;
  const net = `10.${200 + (process.pid % 50)}.${(subnets * 4) % 256}`;
  const machineAddress = `${net}.1`;
  const address = `${net}.2`;
  ip('netns', 'add', name);
  try {
    ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
    ip('link', 'set', inside, 'netns', name);
    ip('addr', 'add', `${machineAddress}/30`, 'dev', outside);
    ip('link', 'set', outside, 'up');
    ip('netns', 'exec', name, 'ip', 'addr', 'add', `${address}/30`, 'dev', inside);
    ip('netns', 'exec', name, 'ip', 'link', 'set', inside, 'up');
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
  } catch (error) {
    ip('netns', 'del', name);
    throw error;
  }
  return {
    name,
    machineAddress,
    address,
    wrap: (command, args) => ({ command: 'ip', args: ['netns', 'exec', name, command, ...args] }),
    partition: () => {
      for (const chain of ['INPUT', 'OUTPUT']) execFileSync('ip', ['netns', 'exec', name, 'iptables', '-A', chain, '-j', 'DROP']);
    },
    heal: () => {
      for (const chain of ['INPUT', 'OUTPUT']) execFileSync('ip', ['netns', 'exec', name, 'iptables', '-F', chain]);
    },
    remove: () => {
      try {
        ip('link', 'del', outside);
      } catch {
        // gone with the namespace already
      }
      ip('netns', 'del', name);
    },
  };
}
