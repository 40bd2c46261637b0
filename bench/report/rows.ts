/** A target of the issue: a share of the floor to reach, or a limit to stay under. */
export type Target = { kind: 'min-ratio'; ratio: number } | { kind: 'max'; value: number };

/** One measured path: the service's figure next to its floor, their ratio, and the target (reported, never enforced). */
export interface BenchRow {
  id: string;
  path: string;
  unit: string;
  service: number;
  /** The same work without the service around it; null where there is no such figure. */
  floor: number | null;
  /** What the floor figure is. */
  floorIs: string;
  /** service / floor. */
  ratio: number | null;
  /** Whether a higher service figure is better (throughput) or a lower one (latency, time, memory). */
  better: 'higher' | 'lower';
  target: Target | null;
  /** Whether the service meets the target on this run; null without a target. */
  meets: boolean | null;
}

export function benchRow(fields: Omit<BenchRow, 'ratio' | 'meets'>): BenchRow {
  const ratio = fields.floor ? Math.round((fields.service / fields.floor) * 100) / 100 : null;
  const { target } = fields;
  let meets: boolean | null = null;
  if (target?.kind === 'min-ratio') meets = ratio !== null && ratio >= target.ratio;
  if (target?.kind === 'max') meets = fields.service <= target.value;
  return { ...fields, ratio, meets };
}

export function describeTarget(row: BenchRow): string {
  if (!row.target) return '—';
  return row.target.kind === 'min-ratio' ? `≥ ${Math.round(row.target.ratio * 100)} % of floor` : `≤ ${formatNumber(row.target.value)} ${row.unit}`;
}

export function formatNumber(value: number): string {
  const digits = Math.abs(value) >= 100 ? 0 : 1;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function formatFigure(value: number | null, unit: string): string {
  return value === null ? '—' : `${formatNumber(value)} ${unit}`;
}

export function formatRatio(row: BenchRow): string {
  return row.ratio === null ? '—' : `${row.ratio.toFixed(2)}`;
}

export function formatMeets(row: BenchRow): string {
  if (row.meets === null) return '—';
  return row.meets ? 'yes' : 'no';
}
