/**
 * What `adapter.get_columns_in_relation` returns: dbt-duckdb's DuckDBColumn
 * (dbt-adapters' Column with DuckDB's integer and float type names), so
 * package macros that ask `col.is_string()` or print `col.data_type` get
 * dbt's answers.
 */

const STRING_TYPES = new Set(['text', 'character varying', 'character', 'varchar']);
const FLOAT_TYPES = new Set(['real', 'float', 'float4', 'float8', 'double', 'double precision']);
const INTEGER_TYPES = new Set([
  'tinyint',
  'smallint',
  'integer',
  'bigint',
  'hugeint',
  'utinyint',
  'usmallint',
  'uinteger',
  'ubigint',
  'int1',
  'int2',
  'int4',
  'int8',
  'short',
  'int',
  'signed',
  'long',
]);
const NUMERIC_TYPES = new Set(['numeric', 'decimal']);

export class Column {
  constructor(
    readonly column: string,
    readonly dtype: string,
    readonly char_size: number | null = null,
    readonly numeric_precision: number | null = null,
    readonly numeric_scale: number | null = null,
  ) {}

  get name(): string {
    return this.column;
  }

  get quoted(): string {
    return `"${this.column}"`;
  }

  /** As dbt: strings as `character varying(n)`, numerics with their precision, the rest as reported. */
  get data_type(): string {
    if (this.is_string()) return `character varying(${String(this.string_size())})`;
    if (this.is_numeric() && this.numeric_precision !== null && this.numeric_scale !== null)
      return `${this.dtype}(${String(this.numeric_precision)},${String(this.numeric_scale)})`;
    return this.dtype;
  }

  is_string(): boolean {
    return STRING_TYPES.has(this.dtype.toLowerCase());
  }

  is_float(): boolean {
    return FLOAT_TYPES.has(this.dtype.toLowerCase());
  }

  is_integer(): boolean {
    return INTEGER_TYPES.has(this.dtype.toLowerCase());
  }

  is_numeric(): boolean {
    return NUMERIC_TYPES.has(this.dtype.toLowerCase());
  }

  is_number(): boolean {
    return this.is_integer() || this.is_numeric() || this.is_float();
  }

  is_struct(): boolean {
    return this.dtype.toLowerCase().startsWith('struct');
  }

  string_size(): number {
    if (!this.is_string()) throw new Error('Called string_size() on non-string field!');
    return this.dtype === 'text' || this.char_size === null ? 256 : this.char_size;
  }

  can_expand_to(other: Column): boolean {
    return this.is_string() && other.is_string() && other.string_size() > this.string_size();
  }

  literal(value: unknown): string {
    return `${String(value)}::${this.data_type}`;
  }

  toString(): string {
    return `<Column ${this.column} (${this.data_type})>`;
  }
}
