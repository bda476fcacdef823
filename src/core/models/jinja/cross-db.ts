import { isKeywordArgs } from './python-compat';

/**
 * dbt's cross-database macros (`dbt.dateadd`, `dbt.concat`, `dbt.type_string`...)
 * in their DuckDB spelling. They only build SQL text.
 */
type Fn = (...args: unknown[]) => string;

function named(args: unknown[], names: string[]): Record<string, unknown> {
  const kwargs = isKeywordArgs(args[args.length - 1]) ? (args[args.length - 1] as Record<string, unknown>) : {};
  const positional = isKeywordArgs(args[args.length - 1]) ? args.slice(0, -1) : args;
  const out: Record<string, unknown> = {};
  names.forEach((name, i) => {
    out[name] = name in kwargs ? kwargs[name] : positional[i];
  });
  return out;
}

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
    return `string_agg(${String(a.measure)}, ${delimiter}${order})`;
  },
};
