import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A server process a topology started: stopped by its PID, never by name. */
export interface Daemon {
  name: string;
  pid: number;
  /** Where its output goes. */
  logFile: string;
  /** Resolves when it has exited. */
  exited: Promise<void>;
  /** Still running? */
  alive: () => boolean;
  /** Sends `signal` (SIGTERM by default) and waits for the exit; SIGKILL after `graceMs`. */
  stop: (signal?: NodeJS.Signals, graceMs?: number) => Promise<void>;
  /** The last lines of its log, for a failure message. */
  tail: (lines?: number) => string;
}

/** Every daemon still running, killed when this process exits however it exits (a failed test included). */
const running = new Map<number, ChildProcess>();
/** Set by `npm run fleet`: its daemons run on after it exits (a later `npm run fleet -- stop` ends them by PID). */
let outliveThisProcess = false;

/** Daemons started from now on run on after this process exits, in a session of their own. */
export function daemonsOutliveThisProcess(): void {
  outliveThisProcess = true;
}

function killRunning(): void {
  if (outliveThisProcess) return;
  for (const pid of running.keys()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.once('exit', killRunning);
// a test runner that ends a stuck worker with SIGTERM (or Ctrl-C) skips 'exit': end the servers, then die of the signal
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    killRunning();
    process.kill(process.pid, signal);
  });
}

export interface DaemonOptions {
  /** Run as this system user (PostgreSQL and Patroni refuse root). */
  user?: string;
  cwd?: string;
  env?: Record<string, string>;
}

/** Starts `command` with its output appended to `logFile`. */
export function startDaemon(name: string, command: string, args: string[], logFile: string, options: DaemonOptions = {}): Daemon {
  const out = openSync(logFile, 'a');
  const ids = options.user === undefined ? {} : userIds(options.user);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
    stdio: ['ignore', out, out],
    detached: outliveThisProcess,
    ...ids,
  });
  if (outliveThisProcess) child.unref();
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  running.set(pid, child);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running.delete(pid);
      resolve();
    });
  });
  const alive = () => running.has(pid);
  return {
    name,
    pid,
    logFile,
    exited,
    alive,
    stop: async (signal = 'SIGTERM', graceMs = 10_000) => {
      if (!alive()) return;
      child.kill(signal);
      const timer = setTimeout(() => alive() && child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    tail: (lines = 20) => {
      try {
        return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
  };
}

/** The uid and gid of a system user. */
export function userIds(user: string): { uid: number; gid: number } {
  const id = (flag: string) => Number(spawnSync('id', [flag, user], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`no system user ${user}`);
  return { uid, gid };
}

/** A fresh directory for a topology's files, removed by `remove`. */
export function workDirectory(prefix: string): { path: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A check for `waitFor` that counts an error (a server not up yet, a connection not ready) as "not yet". */
export function tolerant<T>(check: () => Promise<T | false>): () => Promise<T | false> {
  return () => check().catch(() => false as const);
}

/** What a started topology leaves on the machine: enough for another process to stop it (`npm run fleet -- stop`). */
export interface TopologyRecord {
  pids: number[];
  dirs: string[];
}

/**
 * Stops what a record names, from any process: SIGTERM to each PID, SIGKILL
 * to what is left after `graceMs`, PostgreSQL postmasters found in the
 * directories (`*\/postmaster.pid`) likewise, then removes the directories.
 */
export async function stopRecorded(record: TopologyRecord, graceMs = 10_000): Promise<void> {
  const postmasters = record.dirs.flatMap((dir) => {
    try {
      return readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => readPid(path.join(dir, entry.name, 'postmaster.pid')))
        .filter((pid): pid is number => pid !== undefined);
    } catch {
      return [];
    }
  });
  const pids = [...record.pids, ...postmasters];
  const signal = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
      return true;
    } catch {
      return false;
    }
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some((pid) => signal(pid, 0 as unknown as NodeJS.Signals)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const pid of pids) signal(pid, 'SIGKILL');
  for (const dir of record.dirs) rmSync(dir, { recursive: true, force: true });
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
