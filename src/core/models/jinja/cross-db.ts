import { namedArgs as named } from './python-compat';

/**
 * dbt's cross-database macros (`dbt.dateadd`, `dbt.concat`, `dbt.type_string`...)
 * in their DuckDB spelling. They only build SQL text.
 */
type Fn = (...args: unknown[]) => string;

export const CROSS_DB_MACROS: Record<string, Fn> = {
  current_timestamp: () => 'now()',
  type_string: () => 'VARCHAR',
  type_int: () => 'INTEGER',
  type_bigint: () => 'BIGINT',
  type_float: () => 'DOUBLE',
  type_numeric: () => 'DECIMAL(28,6)',
  type_timestamp: () => 'TIMESTAMP',
  type_boolean: () => 'BOOLEAN',
  concat: (...args) => {
    const { fields } = named(args, ['fields']);
    return Array.isArray(fields) ? fields.map(String).join(' || ') : String(fields);
  },
  hash: (...args) => `md5(cast(${String(named(args, ['field']).field)} as VARCHAR))`,
  safe_cast: (...args) => {
    const a = named(args, ['field', 'type']);
    return `try_cast(${String(a.field)} as ${String(a.type)})`;
  },
  date_trunc: (...args) => {
    const a = named(args, ['datepart', 'date']);
    return `date_trunc('${String(a.datepart)}', ${String(a.date)})`;
  },
  dateadd: (...args) => {
    const a = named(args, ['datepart', 'interval', 'from_date_or_timestamp']);
    return `date_add(${String(a.from_date_or_timestamp)}, interval (${String(a.interval)}) ${String(a.datepart)})`;
  },
  datediff: (...args) => {
    const a = named(args, ['first_date', 'second_date', 'datepart']);
    return `date_diff('${String(a.datepart)}', ${String(a.first_date)}::timestamp, ${String(a.second_date)}::timestamp)`;
  },
  split_part: (...args) => {
    const a = named(args, ['string_text', 'delimiter_text', 'part_number']);
    return `split_part(${String(a.string_text)}, ${String(a.delimiter_text)}, ${String(a.part_number)})`;
  },
  any_value: (...args) => `any_value(${String(named(args, ['expression']).expression)})`,
  cast_bool_to_text: (...args) => `cast(${String(named(args, ['field']).field)} as VARCHAR)`,
  listagg: (...args) => {
    const a = named(args, ['measure', 'delimiter_text', 'order_by_clause', 'limit_num']);
    const delimiter = a.delimiter_text === undefined ? "','" : String(a.delimiter_text);
    const order = a.order_by_clause ? ` ${String(a.order_by_clause)}` : '';
    // dbt-duckdb keeps the first limit_num values of the ordered list, then joins them.
    if (truthy(a.limit_num))
      return `list_aggr((array_agg(${String(a.measure)}${order}))[1:${String(a.limit_num)}], 'string_agg', ${delimiter})`;
    return `string_agg(${String(a.measure)}, ${delimiter}${order})`;
  },
  string_literal: (...args) => `'${String(named(args, ['value']).value)}'`,
  escape_single_quotes: (...args) => String(named(args, ['expression']).expression).replace(/'/g, "''"),
  cast: (...args) => {
    const a = named(args, ['field', 'type']);
    return `cast(${String(a.field)} as ${String(a.type)})`;
  },
  bool_or: (...args) => `bool_or(${String(named(args, ['expression']).expression)})`,
  length: (...args) => `length(${String(named(args, ['expression']).expression)})`,
  position: (...args) => {
    const a = named(args, ['substring_text', 'string_text']);
    return `position(${String(a.substring_text)} in ${String(a.string_text)})`;
  },
  replace: (...args) => {
    const a = named(args, ['field', 'old_chars', 'new_chars']);
    return `replace(${String(a.field)}, ${String(a.old_chars)}, ${String(a.new_chars)})`;
  },
  right: (...args) => {
    const a = named(args, ['string_text', 'length_expression']);
    return `right(${String(a.string_text)}, ${String(a.length_expression)})`;
  },
  // dbt's default until its `enable_truthy_nulls_equals_macro` behavior flag is turned on (off in dbt 1.10).
  equals: (...args) => {
    const a = named(args, ['expr1', 'expr2']);
    return `(${String(a.expr1)} = ${String(a.expr2)})`;
  },
  except: () => 'except',
  intersect: () => 'intersect',
  array_append: (...args) => {
    const a = named(args, ['array', 'new_element']);
    return `array_append(${String(a.array)}, ${String(a.new_element)})`;
  },
  array_concat: (...args) => {
    const a = named(args, ['array_1', 'array_2']);
    return `array_cat(${String(a.array_1)}, ${String(a.array_2)})`;
  },
  array_construct: (...args) => {
    const a = named(args, ['inputs', 'data_type']);
    const inputs = Array.isArray(a.inputs) ? a.inputs.map(String) : [];
    if (inputs.length > 0) return `array[ ${inputs.join(' , ')} ]`;
    return `array[]::${a.data_type === undefined ? 'integer' : String(a.data_type)}[]`;
  },
  last_day: (...args) => {
    const a = named(args, ['date', 'datepart']);
    const datepart = String(a.datepart);
    // As dbt-duckdb: a quarter is three months (its dateadd has no quarter interval).
    const [step, amount] = datepart === 'quarter' ? ['month', '3'] : [datepart, '1'];
    const start = CROSS_DB_MACROS.date_trunc!(datepart, a.date);
    return `cast(${CROSS_DB_MACROS.dateadd!('day', '-1', CROSS_DB_MACROS.dateadd!(step, amount, start))} as date)`;
  },
  generate_series: (...args) =>
    `select generate_series as generated_number from generate_series(1, ${String(named(args, ['upper_bound']).upper_bound)})`,
};

function truthy(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false && value !== 0 && value !== '';
}
