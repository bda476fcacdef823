/** Delta schema (the metaData schemaString) → DuckDB column types, for typing a table with no files yet. */
export interface DeltaField {
  name: string;
  type: unknown;
}

const PRIMITIVE: Record<string, string> = {
  string: 'VARCHAR',
  long: 'BIGINT',
  integer: 'INTEGER',
  short: 'SMALLINT',
  byte: 'TINYINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  binary: 'BLOB',
  date: 'DATE',
  timestamp: 'TIMESTAMP WITH TIME ZONE',
  timestamp_ntz: 'TIMESTAMP',
};

export function duckdbTypeOf(type: unknown): string {
  if (typeof type === 'string') {
    const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
    if (decimal) return `DECIMAL(${decimal[1]}, ${decimal[2]})`;
    return PRIMITIVE[type] ?? 'VARCHAR';
  }
  const t = type as {
    type?: string;
    elementType?: unknown;
    fields?: DeltaField[];
    keyType?: unknown;
    valueType?: unknown;
  };
  if (t?.type === 'array') return `${duckdbTypeOf(t.elementType)}[]`;
  if (t?.type === 'map') return `MAP(${duckdbTypeOf(t.keyType)}, ${duckdbTypeOf(t.valueType)})`;
  if (t?.type === 'struct' && Array.isArray(t.fields))
    return `STRUCT(${t.fields.map((f) => `"${f.name.replace(/"/g, '""')}" ${duckdbTypeOf(f.type)}`).join(', ')})`;
  return 'VARCHAR';
}

/** The top-level fields of a schemaString; [] when it cannot be read. */
export function deltaFields(schemaString: string | undefined): DeltaField[] {
  if (!schemaString) return [];
  try {
    const parsed = JSON.parse(schemaString) as { fields?: DeltaField[] };
    return Array.isArray(parsed.fields) ? parsed.fields.filter((f) => typeof f?.name === 'string') : [];
  } catch {
    return [];
  }
}
