import { quoteName } from '../relation';
import type { FixtureRow } from './spec';

/** A column of a relation or query: its name as DuckDB reports it and its type. */
export interface ColumnType {
  name: string;
  type: string;
}

/** A row names a column the fixture's relation does not have (dbt's "Invalid column name"). */
export class FixtureColumnError extends Error {
  constructor(column: string, fixture: string, accepted: readonly string[]) {
    super(
      `Invalid column name: '${column}' in unit test fixture for ${fixture}.\nAccepted columns for ${fixture} are: [${accepted
        .map((c) => `'${c}'`)
        .join(', ')}]`,
    );
    this.name = 'FixtureColumnError';
  }
}

/**
 * A value as dbt's `format_row` writes it before the cast: strings quoted (single quotes
 * doubled), null as null, numbers and booleans as Python prints them.
 */
export function fixtureLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return `'${value.toISOString()}'`;
  // A YAML list or map in a cell: dbt renders its Python repr, which DuckDB rejects as it does here.
  return `'${JSON.stringify(value).replace(/'/g, "''")}'`;
}

/** `cast(<value> as <type>)` for every column the row sets, keyed by lower-cased name (dbt's `format_row`). */
export function formatRow(
  row: FixtureRow,
  types: ReadonlyMap<string, ColumnType>,
  fixture: string,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(row)) {
    const key = name.toLowerCase();
    const column = types.get(key);
    if (!column) throw new FixtureColumnError(key, fixture, [...types.keys()]);
    out.set(key, `cast(${fixtureLiteral(value)} as ${column.type})`);
  }
  return out;
}

export function columnMap(columns: readonly ColumnType[]): Map<string, ColumnType> {
  return new Map(columns.map((c) => [c.name.toLowerCase(), c]));
}

/**
 * dbt's `get_fixture_sql`: one SELECT per row over every column of the input relation,
 * the columns the row leaves out as typed nulls, joined by UNION ALL; no rows → LIMIT 0.
 */
export function fixtureSql(rows: readonly FixtureRow[], columns: readonly ColumnType[], fixture: string): string {
  const types = columnMap(columns);
  const select = (values: Map<string, string>) =>
    `select ${columns
      .map((c) => `${values.get(c.name.toLowerCase()) ?? `cast(null as ${c.type})`} as ${quoteName(c.name)}`)
      .join(', ')}`;
  if (rows.length === 0) return `${select(new Map())}\nlimit 0`;
  return rows.map((row) => select(formatRow(row, types, fixture))).join('\nunion all\n');
}

/** dbt's `get_expected_sql`: each expected row cast to the model's output types (only the columns it names). */
export function expectedSql(rows: readonly FixtureRow[], actual: readonly ColumnType[]): string {
  if (rows.length === 0) return 'select * from dbt_internal_unit_test_actual\nlimit 0';
  const types = columnMap(actual);
  return rows
    .map((row) => {
      const values = formatRow(row, types, 'expected output');
      return `select ${[...values].map(([key, v]) => `${v} as ${quoteName(types.get(key)!.name)}`).join(', ')}`;
    })
    .join('\nunion all\n');
}

/** dbt's `get_unit_test_sql`: the model's rows and the expected rows side by side, each tagged. */
export function unitTestSql(modelSql: string, expected: string, columns: readonly string[]): string {
  const list = columns.map(quoteName).join(', ');
  return [
    '-- Build actual result given inputs',
    'with dbt_internal_unit_test_actual as (',
    `  select ${list}, 'actual' as "actual_or_expected"`,
    '  from (',
    modelSql,
    '  ) _dbt_internal_unit_test_actual',
    '),',
    '-- Build expected result',
    'dbt_internal_unit_test_expected as (',
    `  select ${list}, 'expected' as "actual_or_expected"`,
    '  from (',
    expected,
    '  ) _dbt_internal_unit_test_expected',
    ')',
    '-- Union actual and expected results',
    'select * from dbt_internal_unit_test_actual',
    'union all',
    'select * from dbt_internal_unit_test_expected',
  ].join('\n');
}

/**
 * The rows only one side has, counted as a multiset (dbt compares the sorted row lists, so
 * order never matters and a duplicate counts): EXCEPT ALL both ways, nulls equal.
 */
export function differenceSql(unitTest: string, columns: readonly string[]): string {
  const list = columns.map(quoteName).join(', ');
  return [
    `with dbt_unit_test as (\n${unitTest}\n),`,
    `a as (select ${list} from dbt_unit_test where "actual_or_expected" = 'actual'),`,
    `e as (select ${list} from dbt_unit_test where "actual_or_expected" = 'expected')`,
    `select 'actual' as "side", * from (select * from a except all select * from e)`,
    'union all',
    `select 'expected' as "side", * from (select * from e except all select * from a)`,
  ].join('\n');
}
