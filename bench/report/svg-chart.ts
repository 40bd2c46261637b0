import { formatNumber, type BenchRow } from './rows';

const WIDTH = 900;
const LABEL_WIDTH = 330;
const BAR_LEFT = LABEL_WIDTH + 10;
const BAR_WIDTH = 330;
/** Figures are written in a column of their own, right of the bars. */
const FIGURES_LEFT = BAR_LEFT + BAR_WIDTH + 14;
const ROW_HEIGHT = 26;
const COLOURS = { met: '#2e7d32', missed: '#c62828', none: '#78909c' };

interface Bar {
  label: string;
  /** Where the bar ends, in units of the reference line (1 = floor, or 1 = limit). */
  value: number;
  text: string;
  /** Target tick, in the same units. */
  target?: number;
  meets: boolean | null;
}

/**
 * The run as a bar chart, hand-written SVG: the throughput paths as
 * service / floor against their targets, and the limits (latency, memory)
 * as service / limit.
 */
export function svgChart(rows: BenchRow[], subtitle: string): string {
  const ratios: Bar[] = rows
    .filter((row) => row.better === 'higher' && row.ratio !== null)
    .map((row) => ({
      label: row.path,
      value: row.ratio!,
      text: `${row.ratio!.toFixed(2)}  (${formatNumber(row.service)} vs ${formatNumber(row.floor!)} ${row.unit})`,
      target: row.target?.kind === 'min-ratio' ? row.target.ratio : undefined,
      meets: row.meets,
    }));
  const limits: Bar[] = rows.flatMap((row) =>
    row.target?.kind === 'max'
      ? [
          {
            label: row.path,
            value: row.service / row.target.value,
            text: `${formatNumber(row.service)} of ${formatNumber(row.target.value)} ${row.unit}`,
            target: 1,
            meets: row.meets,
          },
        ]
      : [],
  );

  const parts: string[] = [];
  let y = 30;
  parts.push(text(20, y, 'npm run bench — each hot path against its floor', { size: 16, weight: 'bold' }));
  for (const line of wrap(subtitle, 130)) {
    y += 16;
    parts.push(text(20, y, line, { size: 11, fill: '#555' }));
  }
  y += 30;
  y = panel(parts, y, 'Service / floor (higher is better; 1.00 = the floor: the same SQL, prepared, no HTTP, no ORM)', ratios, 'floor');
  y += 20;
  y = panel(parts, y, 'Service / limit (lower is better; 1.00 = the limit)', limits, 'limit');
  y += 10;
  parts.push(legend(20, y));
  y += 20;

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${WIDTH}" height="${y}" fill="#ffffff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function panel(parts: string[], top: number, title: string, bars: Bar[], reference: string): number {
  parts.push(text(20, top, title, { size: 13, weight: 'bold' }));
  let y = top + 14;
  const scaleMax = Math.max(1.2, ...bars.map((bar) => bar.value * 1.05), ...bars.map((bar) => (bar.target ?? 0) * 1.1));
  const x = (value: number) => BAR_LEFT + (Math.min(value, scaleMax) / scaleMax) * BAR_WIDTH;
  const height = bars.length * ROW_HEIGHT;
  for (const [i, bar] of bars.entries()) {
    const rowY = y + i * ROW_HEIGHT;
    const colour = bar.meets === null ? COLOURS.none : bar.meets ? COLOURS.met : COLOURS.missed;
    parts.push(text(LABEL_WIDTH, rowY + 17, bar.label, { size: 11, anchor: 'end' }));
    parts.push(`<rect x="${BAR_LEFT}" y="${rowY + 5}" width="${Math.max(1, x(bar.value) - BAR_LEFT).toFixed(1)}" height="${ROW_HEIGHT - 10}" fill="${colour}"/>`);
    if (bar.target !== undefined && bar.target !== 1) {
      const tx = x(bar.target).toFixed(1);
      parts.push(`<line x1="${tx}" y1="${rowY + 2}" x2="${tx}" y2="${rowY + ROW_HEIGHT - 2}" stroke="#000" stroke-width="2"/>`);
    }
    parts.push(text(FIGURES_LEFT, rowY + 17, bar.text, { size: 10, fill: '#333' }));
  }
  const oneX = x(1).toFixed(1);
  parts.push(`<line x1="${oneX}" y1="${y}" x2="${oneX}" y2="${y + height}" stroke="#333" stroke-dasharray="4 3"/>`);
  parts.push(text(Number(oneX), y + height + 12, reference, { size: 10, anchor: 'middle', fill: '#333' }));
  parts.push(`<line x1="${BAR_LEFT}" y1="${y}" x2="${BAR_LEFT}" y2="${y + height}" stroke="#999"/>`);
  y += height + 20;
  return y;
}

/** Splits at "; " so that no line is much longer than `width` characters. */
function wrap(line: string, width: number): string[] {
  const lines: string[] = [];
  for (const piece of line.split('; ')) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + piece.length + 2 <= width) lines[lines.length - 1] = `${last}; ${piece}`;
    else lines.push(piece);
  }
  return lines;
}

function legend(x: number, y: number): string {
  const item = (offset: number, colour: string, label: string) =>
    `<rect x="${x + offset}" y="${y - 9}" width="12" height="10" fill="${colour}"/>${text(x + offset + 16, y, label, { size: 10 })}`;
  return [
    item(0, COLOURS.met, 'meets its target'),
    item(130, COLOURS.missed, 'misses its target'),
    item(260, COLOURS.none, 'no target'),
    `<line x1="${x + 360}" y1="${y - 10}" x2="${x + 360}" y2="${y + 1}" stroke="#000" stroke-width="2"/>`,
    text(x + 366, y, 'target (share of the floor)', { size: 10 }),
  ].join('\n');
}

function text(
  x: number,
  y: number,
  content: string,
  { size = 12, weight = 'normal', anchor = 'start', fill = '#000' }: { size?: number; weight?: string; anchor?: string; fill?: string } = {},
): string {
  return `<text x="${x.toFixed(1)}" y="${y}" font-size="${size}" font-weight="${weight}" text-anchor="${anchor}" fill="${fill}">${escapeXml(content)}</text>`;
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
