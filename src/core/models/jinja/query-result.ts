import { pyTuple } from './py-values';

/**
 * What `run_query()` and `load_result(...).table` return: the parts of an
 * agate Table dbt code uses — `rows` (indexable by position and by column
 * name), `columns[i].values()` (a tuple), `columns` by name and `.items()`, `column_names`.
 */
export interface QueryColumn {
  name: string;
  values(): unknown[];
}

export interface QueryTable {
  column_names: string[];
  columns: QueryColumn[];
  rows: unknown[][];
  length: number;
  print_table(): string;
}

export function makeQueryTable(columnNames: string[], rows: Record<string, unknown>[]): QueryTable {
  const tableRows = rows.map((row) => {
    const values = columnNames.map((name) => toTemplateValue(row[name]));
    const indexed = values as unknown[] & Record<string, unknown>;
    columnNames.forEach((name, i) => {
      // Named access (row['col'], row.col) next to positional; never shadow array members.
      if (!(name in Array.prototype) && !/^\d+$/.test(name)) indexed[name] = values[i];
    });
    return indexed;
  });
  // agate: a column's values() is a tuple; `table.columns` is a MappedSequence (by position, by name,
  // items()/keys()/values()), which dbt_utils' get_query_results_as_dict iterates.
  const columns = columnNames.map((name, i) => ({ name, values: () => pyTuple(tableRows.map((r) => r[i])) }));
  Object.defineProperties(columns, {
    items: { value: () => columns.map((c) => pyTuple([c.name, c])) },
    keys: { value: () => [...columnNames] },
    values: { value: () => [...columns] },
  });
  const named = columns as QueryColumn[] & Record<string, unknown>;
  columnNames.forEach((name, i) => {
    if (!(name in named) && !/^\d+$/.test(name)) named[name] = columns[i];
  });
  return {
    column_names: columnNames,
    columns,
    rows: tableRows,
    length: tableRows.length,
    print_table: () => '',
  };
}

export const EMPTY_TABLE: QueryTable = makeQueryTable([], []);

/** Template code compares and prints values: BIGINTs become numbers when exact, dates ISO strings. */
export function toTemplateValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toTemplateValue);
  return value;
}
