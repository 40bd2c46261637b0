import { readFileSync } from 'node:fs';

/** Resident memory of the service processes: VmRSS sampled often, its peak, and the kernel's own peak (VmHWM). */
export interface RssFigures {
  /** VmRSS shortly after the process answered (MB). */
  atStartMb: number;
  /** Highest VmRSS sampled while it ran (MB). */
  peakMb: number;
  /** VmHWM read last (MB): the kernel's peak, which no sampling interval can miss. */
  highWaterMb: number;
}

export type Role = 'api' | 'worker';

/** Reads a `/proc/<pid>/status` field in MB; undefined once the process is gone. */
export function procStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Samples VmRSS of every watched process every `intervalMs` and keeps, per
 * role, the largest at-start, peak and high-water figures of any of its
 * processes (the worker figure is the worst worker process of the run).
 */
export class RssSampler {
  private readonly watched = new Map<number, { role: Role; figures: RssFigures }>();
  private readonly done: Array<{ role: Role; figures: RssFigures }> = [];
  private readonly timer: NodeJS.Timeout;
  /** Peak VmRSS per measurement and role (MB), to tell which load the peak came from. */
  private readonly phasePeaks: Record<string, Partial<Record<Role, number>>> = {};
  private currentPhase = 'start';

  constructor(intervalMs = 100) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  watch(pid: number, role: Role): void {
    const now = procStatusMb(pid, 'VmRSS') ?? 0;
    this.watched.set(pid, { role, figures: { atStartMb: now, peakMb: now, highWaterMb: now } });
  }

  /** Takes the last figures of a process that is about to stop. */
  unwatch(pid: number): void {
    const entry = this.watched.get(pid);
    if (!entry) return;
    this.sampleOne(pid, entry.figures, entry.role);
    this.watched.delete(pid);
    this.done.push(entry);
  }

  figures(role: Role): RssFigures | undefined {
    const all = [...this.done, ...this.watched.values()].filter((entry) => entry.role === role).map((entry) => entry.figures);
    if (all.length === 0) return undefined;
    return {
      atStartMb: Math.max(...all.map((f) => f.atStartMb)),
      peakMb: Math.max(...all.map((f) => f.peakMb)),
      highWaterMb: Math.max(...all.map((f) => f.highWaterMb)),
    };
  }

  /** Samples from now on count towards `name`'s peaks. */
  phase(name: string): void {
    this.sample();
    this.currentPhase = name;
  }

  /** Peak VmRSS (MB, rounded) per measurement and role. */
  peaksByPhase(): Record<string, Partial<Record<Role, number>>> {
    return Object.fromEntries(
      Object.entries(this.phasePeaks).map(([phase, peaks]) => [
        phase,
        Object.fromEntries(Object.entries(peaks).map(([role, mb]) => [role, Math.round(mb)])),
      ]),
    );
  }

  stop(): void {
    clearInterval(this.timer);
    for (const pid of [...this.watched.keys()]) this.unwatch(pid);
  }

  private sample(): void {
    for (const [pid, entry] of this.watched) this.sampleOne(pid, entry.figures, entry.role);
  }

  private sampleOne(pid: number, figures: RssFigures, role: Role): void {
    const rss = procStatusMb(pid, 'VmRSS');
    if (rss !== undefined) {
      figures.peakMb = Math.max(figures.peakMb, rss);
      const peaks = (this.phasePeaks[this.currentPhase] ??= {});
      peaks[role] = Math.max(peaks[role] ?? 0, rss);
    }
    const hwm = procStatusMb(pid, 'VmHWM');
    if (hwm !== undefined) figures.highWaterMb = Math.max(figures.highWaterMb, hwm);
  }
}
