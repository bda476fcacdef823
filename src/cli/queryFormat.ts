import type { Cell, ColumnInfo } from '../core/query/types';

/** CSV per RFC 4180; NULL is an empty unquoted field, the empty string a quoted one, so the two stay apart. */
export function csvLine(cells: readonly Cell[]): string {
  return cells
    .map((c) => {
      if (c === null) return '';
      return c === '' || /[",\r\n]/.test(c) || /^\s|\s$/.test(c) ? `"${c.replace(/"/g, '""')}"` : c;
    })
    .join(',');
}

/** Terminal-safe text: control characters (which could drive the terminal) shown as escapes. */
export function terminalText(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (ch) => {
    const code = ch.charCodeAt(0);
    return code === 0x09
      ? '\\t'
      : code === 0x0a
        ? '\\n'
        : code === 0x0d
          ? '\\r'
          : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

const MAX_WIDTH = 40;

/** An aligned text table: headers with their types, NULL shown as NULL, long values cut with …. */
export function textTable(columns: readonly ColumnInfo[], rows: readonly Cell[][]): string {
  const clip = (text: string) => (text.length > MAX_WIDTH ? `${text.slice(0, MAX_WIDTH - 1)}…` : text);
  const header = columns.map((c) => clip(terminalText(c.name)));
  const types = columns.map((c) => clip(c.type));
  const body = rows.map((r) => r.map((c) => clip(c === null ? 'NULL' : terminalText(c))));
  const widths = columns.map((_, i) =>
    Math.max(header[i]!.length, types[i]!.length, ...body.map((r) => r[i]!.length), 1),
  );
  const right = columns.map((c) => c.display === 'number');
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join(' │ ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  return [line(header), line(types), rule, ...body.map(line)].join('\n');
}
