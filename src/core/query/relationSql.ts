import { LakehouseError } from '../errors';
import { quoteIdentifier, quoteLiteral } from '../lake/duckdb';
import { renderExpression } from './render';
import type { ColumnFilter, ColumnInfo, SortKey } from './types';

export class BadColumnError extends LakehouseError {
  constructor(column: number, count: number) {
    super('usage', `Column ${column} does not exist; the result has ${count} column(s).`);
  }
}

function column(columns: readonly ColumnInfo[], index: number): ColumnInfo {
  const c = columns[index];
  if (!Number.isInteger(index) || !c) throw new BadColumnError(index, columns.length);
  return c;
}

/** WHERE clause (or '') for the grid's column filters; comparisons on text use the exact text the grid shows. */
export function whereSql(columns: readonly ColumnInfo[], filters: readonly ColumnFilter[] = []): string {
  const parts = filters.map((f) => {
    const c = column(columns, f.column);
    const ref = quoteIdentifier(c.name);
    const text = renderExpression(ref, c.type);
    const value = quoteLiteral(f.value ?? '');
    switch (f.op) {
      case 'contains':
        return `strpos(lower(${text}), lower(${value})) > 0`;
      case 'equals':
        return `${text} = ${value}`;
      case 'not-equals':
        return `${text} IS DISTINCT FROM ${value}`;
      case 'lt':
        return `${ref} < TRY_CAST(${value} AS ${c.type})`;
      case 'gt':
        return `${ref} > TRY_CAST(${value} AS ${c.type})`;
      case 'is-null':
        return `${ref} IS NULL`;
      case 'not-null':
        return `${ref} IS NOT NULL`;
      default:
        throw new LakehouseError('usage', `Unknown filter '${String((f as ColumnFilter).op)}'.`);
    }
  });
  return parts.length ? `WHERE ${parts.map((p) => `(${p})`).join(' AND ')}` : '';
}

/** ORDER BY for the grid's sort keys; the original row order breaks ties, so paging is stable. */
export function orderSql(columns: readonly ColumnInfo[], sort: readonly SortKey[] = [], tieBreaker = 'rowid'): string {
  const keys = sort.map((s) => {
    const c = column(columns, s.column);
    return `${quoteIdentifier(c.name)} ${s.direction === 'desc' ? 'DESC' : 'ASC'} NULLS LAST`;
  });
  return `ORDER BY ${[...keys, tieBreaker].join(', ')}`;
}

/** The SELECT list that renders every column to exact text. */
export function renderedColumns(columns: readonly ColumnInfo[]): string {
  return columns.map((c) => renderExpression(quoteIdentifier(c.name), c.type)).join(', ');
}
