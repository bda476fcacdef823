/**
 * Copy cell / row / selection as TSV, CSV, JSON or Markdown. Pure, so the
 * quoting rules are unit-tested. NULL and '' stay distinct wherever the
 * format can say so (CSV/TSV follow DuckDB's COPY: NULL is empty, '' is "").
 */
import type { Cell, ColumnInfo } from '../../src/core/query/types';

export type CopyFormat = 'tsv' | 'csv' | 'json' | 'markdown';

export function formatRows(format: CopyFormat, columns: ColumnInfo[], rows: Cell[][], header = true): string {
  switch (format) {
    case 'tsv':
      return delimited('\t', columns, rows, header);
    case 'csv':
      return delimited(',', columns, rows, header);
    case 'json':
      return toJson(columns, rows);
    case 'markdown':
      return toMarkdown(columns, rows);
  }
}

function delimited(sep: string, columns: ColumnInfo[], rows: Cell[][], header: boolean): string {
  const field = (v: Cell): string => {
    if (v === null) return '';
    if (v === '' || v.includes(sep) || /["\r\n]/.test(v) || v !== v.trim()) return `"${v.replace(/"/g, '""')}"`;
    return v;
  };
  const lines = rows.map((r) => r.map(field).join(sep));
  if (header) lines.unshift(columns.map((c) => field(c.name)).join(sep));
  return lines.join('\n');
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** Numbers go out as JSON number literals with every digit (no JS number in between). */
function jsonValue(v: Cell, column: ColumnInfo): string {
  if (v === null) return 'null';
  if (column.display === 'number' && JSON_NUMBER.test(v)) return v;
  if (column.display === 'boolean' && (v === 'true' || v === 'false')) return v;
  return JSON.stringify(v);
}

function toJson(columns: ColumnInfo[], rows: Cell[][]): string {
  const objects = rows.map(
    (r) => `  {${columns.map((c, i) => `${JSON.stringify(c.name)}: ${jsonValue(r[i] ?? null, c)}`).join(', ')}}`,
  );
  return `[\n${objects.join(',\n')}\n]`;
}

function mdEscape(v: string): string {
  return v
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/\r?\n|\r/g, '<br>');
}

function toMarkdown(columns: ColumnInfo[], rows: Cell[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const rule = columns.map((c) => (c.display === 'number' ? '---:' : '---'));
  return [
    line(columns.map((c) => mdEscape(c.name))),
    line(rule),
    ...rows.map((r) => line(r.map((v) => (v === null ? '*NULL*' : mdEscape(v))))),
  ].join('\n');
}
