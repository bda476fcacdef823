/**
 * The per-column filter box: `text` contains, `=x` equals, `!=x` differs,
 * `<x` / `>x` compare in the column's type, `null` / `!null`. Pure, unit-tested.
 */
import type { ColumnFilter } from '../../src/core/query/types';

export function parseFilter(column: number, input: string): ColumnFilter | undefined {
  const text = input.trim();
  if (text === '') return undefined;
  const lower = text.toLowerCase();
  if (lower === 'null' || lower === 'is null') return { column, op: 'is-null' };
  if (lower === '!null' || lower === 'not null') return { column, op: 'not-null' };
  const m = /^(!=|=|<|>)\s*(.*)$/s.exec(text);
  if (!m) return { column, op: 'contains', value: text };
  const op = ({ '=': 'equals', '!=': 'not-equals', '<': 'lt', '>': 'gt' } as const)[m[1] as '=' | '!=' | '<' | '>'];
  return { column, op, value: m[2]! };
}

export function filterText(f: ColumnFilter): string {
  switch (f.op) {
    case 'is-null':
      return 'null';
    case 'not-null':
      return '!null';
    case 'contains':
      return f.value ?? '';
    case 'equals':
      return `=${f.value ?? ''}`;
    case 'not-equals':
      return `!=${f.value ?? ''}`;
    case 'lt':
      return `<${f.value ?? ''}`;
    case 'gt':
      return `>${f.value ?? ''}`;
  }
}
