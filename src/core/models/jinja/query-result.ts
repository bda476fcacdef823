/**
 * What `run_query()` and `load_result(...).table` return: the parts of an
 * agate Table dbt code uses — `rows` (indexable by position and by column
 * name), `columns[i].values()`, `column_names`.
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
  const columns = columnNames.map((name, i) => ({ name, values: () => tableRows.map((r) => r[i]) }));
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
