import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StatementCheck } from '../floors/statement-check';
import type { BenchSettings } from '../settings';
import type { BenchRow } from './rows';
import { svgChart } from './svg-chart';

const ROOT = path.resolve(__dirname, '../..');

/** Everything bench.json holds. */
export interface BenchResults {
  at: string;
  quick: boolean;
  durationSeconds: number;
  commit: CommitInfo;
  machine: MachineInfo;
  loadAverage: { atStart: number[]; atEnd: number[] };
  settings: BenchSettings;
  /** How the service ran: as `npm run start:api` / `start:worker` with the defaults, plus these. */
  service: { runtime: 'compiled' | 'sources'; env: Record<string, string>; apiPoolMax: number; workerConcurrency: number; workerPoolMax: number };
  /** Whether each floor still runs the statements the service sends (see bench/floors/statement-check.ts). */
  floorStatements: StatementCheck[];
  rows: BenchRow[];
  /** Every figure behind the rows, per measurement. */
  figures: Record<string, unknown>;
}

export interface CommitInfo {
  sha: string;
  subject: string;
  /** api/, worker/ or shared/ differed from that commit while the bench ran. */
  serviceChanged: boolean;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  platform: string;
  node: string;
  postgres: string;
  redis: string;
}

export function commitInfo(): CommitInfo {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  return {
    sha: git('rev-parse', 'HEAD') || 'unknown',
    subject: git('log', '-1', '--format=%s'),
    serviceChanged: git('status', '--porcelain', '--', 'api', 'worker', 'shared') !== '',
  };
}

export function machineInfo(postgres: string, redis: string): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    postgres,
    redis,
  };
}

/** One line naming the commit, the machine and the run, for the chart and the README. */
export function describeRun(results: BenchResults): string {
  const { commit, machine } = results;
  const changed = commit.serviceChanged ? ' + uncommitted changes' : '';
  return (
    `commit ${commit.sha.slice(0, 10)}${changed}, ${results.at.slice(0, 16).replace('T', ' ')} UTC; ` +
    `${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, PostgreSQL ${machine.postgres}, Redis ${machine.redis}; ` +
    `service ${results.service.runtime === 'compiled' ? 'compiled (dist/)' : 'from sources (tsx)'}` +
    (results.quick ? ' — QUICK run (small counts: figures not meaningful)' : '')
  );
}

/** Writes bench.json and bench.svg into `outDir`; resolves with their paths. */
export function writeResults(outDir: string, results: BenchResults): { json: string; svg: string } {
  mkdirSync(outDir, { recursive: true });
  const json = path.join(outDir, 'bench.json');
  const svg = path.join(outDir, 'bench.svg');
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(svg, svgChart(results.rows, describeRun(results)));
  return { json, svg };
}
