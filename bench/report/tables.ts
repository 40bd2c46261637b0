import { describeTarget, formatFigure, formatMeets, formatRatio, type BenchRow } from './rows';

const HEADERS = ['path', 'service', 'floor', 'service / floor', 'target', 'meets'];

function cells(row: BenchRow): string[] {
  return [row.path, formatFigure(row.service, row.unit), formatFigure(row.floor, row.unit), formatRatio(row), describeTarget(row), formatMeets(row)];
}

/** The rows as an aligned text table for the terminal. */
export function textTable(rows: BenchRow[]): string {
  const table = [HEADERS, ...rows.map(cells)];
  const widths = HEADERS.map((_, column) => Math.max(...table.map((line) => line[column]!.length)));
  const format = (line: string[]) => line.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [format(table[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...table.slice(1).map(format)].join('\n');
}

/** The rows as a Markdown table (the README's performance table). */
export function markdownTable(rows: BenchRow[]): string {
  const line = (values: string[]) => `| ${values.map((value) => value.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(HEADERS), line(HEADERS.map(() => '---')), ...rows.map((row) => line(cells(row)))].join('\n');
}

/** What each floor is, as a Markdown list (under the table); rows with the same floor share an item. */
export function floorNotes(rows: BenchRow[]): string {
  const groups: Array<{ paths: string[]; floorIs: string }> = [];
  for (const row of rows) {
    const last = groups[groups.length - 1];
    if (last?.floorIs === row.floorIs) last.paths.push(row.path);
    else groups.push({ paths: [row.path], floorIs: row.floorIs });
  }
  return groups.map((group) => `- ${group.paths.join('; ')} — floor: ${group.floorIs}`).join('\n');
}
