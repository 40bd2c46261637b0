import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { SERVICE_NODE_FLAGS, serviceEnv } from '../../shared/process/node-flags';

const ROOT = path.resolve(__dirname, '../..');
/** How long a process may take to start: tsx compiles the sources first, which takes long on a busy machine. */
const START_TIMEOUT_MS = 60_000;

/** Runs a command through another one (e.g. `ip netns exec <host>`: on a test host of its own). */
export type CommandWrap = (command: string, args: string[]) => { command: string; args: string[] };

/** A real API or worker process started by a test, the benchmark or the chaos run, with its log lines kept. */
export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** Every line the process wrote to stdout/stderr so far (stderr only when its stdout goes to a log file). */
  lines: string[];
  /** Resolves with the first line (past or future) that matches. */
  waitForLine: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` and waits for the exit. */
  stop: (signal?: NodeJS.Signals) => Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `entry`, a file of the project: TypeScript sources with tsx (tests),
 * or compiled JavaScript under dist/ as `npm start` runs it, with `args`,
 * through `wrap` if given. With `logFile`, its standard output (the JSON log)
 * is appended to that file instead.
 */
export function spawnService(
  name: string,
  entry: string,
  env: Record<string, string>,
  {
    args = [],
    wrap = (command, commandArgs) => ({ command, args: commandArgs }),
    logFile,
  }: { args?: string[]; wrap?: CommandWrap; logFile?: string } = {},
): ServiceProcess {
  const runtime = entry.endsWith('.js') ? SERVICE_NODE_FLAGS : ['--import', 'tsx'];
  const launch = wrap(process.execPath, [...runtime, path.join(ROOT, entry), ...args]);
  // a log file takes standard output as a deployment's log collector would: nothing is parsed or kept in this process
  const logFd = logFile === undefined ? undefined : openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(launch.command, launch.args, {
      cwd: ROOT,
      env: serviceEnv({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }),
      stdio: ['ignore', logFd ?? 'pipe', 'pipe'],
    });
  } finally {
    if (logFd !== undefined) closeSync(logFd);
  }
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const collect = (stream: NodeJS.ReadableStream) => {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffer += chunk;
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        for (const listener of listeners) listener(line);
      }
    });
  };
  if (child.stdout) collect(child.stdout);
  collect(child.stderr!);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );

  const waitForLine = (pattern: RegExp, timeoutMs = 20_000) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find((line) => pattern.test(line));
      if (seen) return resolve(seen);
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`${name}: no line matching ${pattern} within ${timeoutMs} ms. Last lines:\n${lines.slice(-20).join('\n')}`));
      }, timeoutMs);
      const listener = (line: string) => {
        if (!pattern.test(line)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(line);
      };
      listeners.add(listener);
      void exited.then(() => {
        if (!listeners.has(listener)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        reject(new Error(`${name} exited before printing ${pattern}. Last lines:\n${lines.slice(-20).join('\n')}`));
      });
    });

  return {
    name,
    child,
    lines,
    waitForLine,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Starts the API on `port` (0: a free one); resolves once it listens (within `timeoutMs`, by default START_TIMEOUT_MS). */
export async function startApiProcess(
  env: Record<string, string>,
  { compiled = false, port = 0, name = 'api', timeoutMs }: { compiled?: boolean; port?: number; name?: string; timeoutMs?: number } = {},
): Promise<{ api: ServiceProcess; baseUrl: string }> {
  const entry = compiled ? 'dist/api/main.js' : 'api/main.ts';
  const api = spawnService(name, entry, { ...env, LOG_LEVEL: 'info', PORT: String(port), HOST: '127.0.0.1' });
  const line = await started(api, /Server listening at http:\/\/127\.0\.0\.1:\d+/, timeoutMs ?? START_TIMEOUT_MS);
  const baseUrl = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)![1]!;
  return { api, baseUrl };
}

/** Starts a worker process; resolves once it consumes the queue. */
export async function startWorkerProcess(
  env: Record<string, string>,
  name = 'worker',
  { compiled = false, wrap }: { compiled?: boolean; wrap?: CommandWrap } = {},
): Promise<ServiceProcess> {
  const entry = compiled ? 'dist/worker/main.js' : 'worker/main.ts';
  const worker = spawnService(name, entry, { ...env, LOG_LEVEL: process.env.TEST_WORKER_LOG_LEVEL ?? 'info' }, { wrap });
  await started(worker, /"msg":"worker started"/, START_TIMEOUT_MS);
  return worker;
}

/**
 * The line that says `service` has started; when it does not come (in time, or the process exited), the process is
 * killed before the error is thrown: the caller never got it, so nobody else would stop it, and a test runner's
 * worker would be kept alive by it (and leave it running when forced to exit).
 */
async function started(service: ServiceProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  try {
    return await service.waitForLine(pattern, timeoutMs);
  } catch (error) {
    await service.stop('SIGKILL');
    throw error;
  }
}
