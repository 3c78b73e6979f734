import { Option } from 'commander';
import type { CommandContext } from './context';
import { type Cell, type Digits, formatCsv, formatMarkdown, formatTable, type TableFormat } from './table';

export const TABLE_FORMATS: TableFormat[] = ['table', 'json', 'csv', 'markdown'];

export function formatOption(): Option {
  return new Option('--format <format>', 'output format (--json is the same as --format json)')
    .choices(TABLE_FORMATS)
    .default('table');
}

/** Prints a table in the chosen format; JSON prints `json` instead (the structured result). */
export function printResult(
  context: CommandContext,
  format: TableFormat,
  table: { headers: string[]; rows: Cell[][]; digits?: Digits },
  json: unknown,
): void {
  if (context.json || format === 'json') {
    context.out(JSON.stringify(json, null, 2));
  } else if (format === 'csv') {
    context.out(formatCsv(table.headers, table.rows));
  } else if (format === 'markdown') {
    context.out(formatMarkdown(table.headers, table.rows, table.digits));
  } else {
    context.out(formatTable(table.headers, table.rows, table.digits));
  }
}
