export type Cell = string | number | null | undefined;
export type TableFormat = 'table' | 'json' | 'csv' | 'markdown';

function cellText(value: Cell, digits: number): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return value > 0 ? 'inf' : value < 0 ? '-inf' : 'nan';
    return Number.isInteger(value) ? String(value) : value.toFixed(digits);
  }
  return value;
}

/** A plain-text table with right-aligned numbers, for terminals. */
/** Decimals: one number for every column, or one per column. */
export type Digits = number | readonly number[];

function digitsAt(digits: Digits, column: number): number {
  return typeof digits === 'number' ? digits : (digits[column] ?? 2);
}

export function formatTable(headers: string[], rows: Cell[][], digits: Digits = 2): string {
  const text = rows.map((row) => row.map((cell, i) => cellText(cell, digitsAt(digits, i))));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[], numeric: boolean[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const numeric = headers.map((_, i) => rows.some((row) => typeof row[i] === 'number'));
  return [
    line(headers, numeric),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...text.map((row) => line(row, numeric)),
  ].join('\n');
}

export function formatMarkdown(headers: string[], rows: Cell[][], digits: Digits = 2): string {
  const numeric = headers.map((_, i) => rows.some((row) => typeof row[i] === 'number'));
  return [
    `| ${headers.join(' | ')} |`,
    `|${numeric.map((n) => (n ? '---:' : '---')).join('|')}|`,
    ...rows.map((row) => `| ${row.map((c, i) => cellText(c, digitsAt(digits, i))).join(' | ')} |`),
  ].join('\n');
}

export function formatCsv(headers: string[], rows: Cell[][]): string {
  const quote = (value: Cell) => {
    const text = value === null || value === undefined ? '' : String(value);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [headers, ...rows].map((row) => row.map(quote).join(',')).join('\n');
}
