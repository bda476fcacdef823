import { isVisibleAt, type CatalogColumn } from '../ducklake/catalogReader';
import { caseInsensitiveDuplicates, columnNameProblem } from './names';

/** A DuckLake column as a tree: structs, lists and maps keep their children. */
export interface ColumnNode {
  columnId: number;
  name: string;
  /** DuckLake type name: int32, decimal(10,2), varchar, list, struct, map... */
  type: string;
  nullable: boolean;
  initialDefault: string | null;
  beginSnapshot: number;
  children: ColumnNode[];
}

export type DeltaPrimitive =
  | 'byte'
  | 'short'
  | 'integer'
  | 'long'
  | 'float'
  | 'double'
  | 'boolean'
  | 'string'
  | 'binary'
  | 'date'
  | 'timestamp'
  | `decimal(${number},${number})`;

export interface DeltaStructField {
  name: string;
  type: DeltaType;
  nullable: boolean;
  metadata: Record<string, never>;
}
export interface DeltaStructType {
  type: 'struct';
  fields: DeltaStructField[];
}
export interface DeltaArrayType {
  type: 'array';
  elementType: DeltaType;
  containsNull: boolean;
}
export interface DeltaMapType {
  type: 'map';
  keyType: DeltaType;
  valueType: DeltaType;
  valueContainsNull: boolean;
}
export type DeltaType = DeltaPrimitive | DeltaStructType | DeltaArrayType | DeltaMapType;

export interface SchemaIssue {
  /** Dotted column path, e.g. `address.zip`. */
  column: string;
  message: string;
}

export interface DeltaSchemaResult {
  schema: DeltaStructType;
  /** Columns that make the table impossible to export faithfully. */
  problems: SchemaIssue[];
  /** Exported, but worth telling the user. */
  warnings: SchemaIssue[];
}

/** Builds the column tree visible at `snapshot` from a table's column history. */
export function columnTreeAt(columns: readonly CatalogColumn[], snapshot: number): ColumnNode[] {
  const visible = columns.filter((c) => isVisibleAt(c, snapshot)).sort((a, b) => a.order - b.order);
  const nodes = new Map<number, ColumnNode>();
  for (const c of visible) {
    nodes.set(c.columnId, {
      columnId: c.columnId,
      name: c.name,
      type: c.type,
      nullable: c.nullable,
      initialDefault: c.initialDefault,
      beginSnapshot: c.beginSnapshot,
      children: [],
    });
  }
  const roots: ColumnNode[] = [];
  for (const c of visible) {
    const node = nodes.get(c.columnId)!;
    const parent = c.parentId === null ? undefined : nodes.get(c.parentId);
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

const PRIMITIVES: Record<string, DeltaPrimitive> = {
  boolean: 'boolean',
  int8: 'byte',
  int16: 'short',
  int32: 'integer',
  int64: 'long',
  // Unsigned types widen to the next signed type, which holds every value.
  uint8: 'short',
  uint16: 'integer',
  uint32: 'long',
  float32: 'float',
  float64: 'double',
  varchar: 'string',
  json: 'string',
  blob: 'binary',
  date: 'date',
  timestamptz: 'timestamp',
  // Parquet holds these as wall-clock micro/milliseconds; Delta `timestamp` reads them as UTC.
  timestamp: 'timestamp',
  timestamp_s: 'timestamp',
  timestamp_ms: 'timestamp',
};

const UNSUPPORTED: Record<string, string> = {
  uint64:
    'UBIGINT values above 9223372036854775807 do not fit any Delta type; cast the column to BIGINT or DECIMAL(20,0)',
  int128: 'DuckDB writes HUGEINT to Parquet as DOUBLE; cast the column to DECIMAL(38,0) or BIGINT',
  uint128: 'DuckDB writes UHUGEINT to Parquet as DOUBLE; cast the column to DECIMAL(38,0)',
  timestamp_ns:
    'Delta timestamps have microsecond precision and readers refuse to truncate nanoseconds; cast to TIMESTAMP',
  time: 'Delta has no TIME type; cast to VARCHAR or store a TIMESTAMP',
  timetz: 'Delta has no TIME type; cast to VARCHAR',
  interval: 'Delta has no INTERVAL type; store the parts as numbers',
  uuid: 'Delta has no UUID type and DuckDB stores it as 16 fixed bytes; cast to VARCHAR',
  variant: 'the Delta variant type needs a table feature (reader 3 / writer 7) that Fabric does not read',
  geometry: 'Delta has no geometry type; store WKB as BLOB or WKT as VARCHAR',
};

/** Maps one column (recursively); returns undefined and records a problem when it has no Delta type. */
export function mapColumnType(node: ColumnNode, path: string, problems: SchemaIssue[]): DeltaType | undefined {
  const type = node.type.toLowerCase();
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
  if (decimal) {
    const precision = Number(decimal[1]);
    const scale = Number(decimal[2]);
    if (precision < 1 || precision > 38 || scale > precision) {
      problems.push({
        column: path,
        message: `DECIMAL(${precision},${scale}) is outside Delta's range (precision 1..38)`,
      });
      return undefined;
    }
    return `decimal(${precision},${scale})`;
  }
  const primitive = PRIMITIVES[type];
  if (primitive) return primitive;
  if (type === 'struct') {
    const struct = mapStruct(node.children, path, problems);
    return struct;
  }
  if (type === 'list') {
    const element = node.children[0];
    if (!element || node.children.length !== 1) {
      problems.push({ column: path, message: 'list column without exactly one element column in the catalog' });
      return undefined;
    }
    const elementType = mapColumnType(element, `${path}.element`, problems);
    return elementType && { type: 'array', elementType, containsNull: true };
  }
  if (type === 'map') {
    const key = node.children.find((c) => c.name === 'key');
    const value = node.children.find((c) => c.name === 'value');
    if (!key || !value) {
      problems.push({ column: path, message: 'map column without key and value columns in the catalog' });
      return undefined;
    }
    const keyType = mapColumnType(key, `${path}.key`, problems);
    const valueType = mapColumnType(value, `${path}.value`, problems);
    return keyType && valueType && { type: 'map', keyType, valueType, valueContainsNull: true };
  }
  const reason = UNSUPPORTED[type] ?? `DuckLake type '${node.type}' has no Delta equivalent`;
  problems.push({ column: path, message: `${node.type.toUpperCase()}: ${reason}` });
  return undefined;
}

function mapStruct(children: readonly ColumnNode[], prefix: string, problems: SchemaIssue[]): DeltaStructType {
  const fields: DeltaStructField[] = [];
  for (const duplicate of caseInsensitiveDuplicates(children.map((c) => c.name))) {
    problems.push({
      column: prefix || duplicate,
      message: `names '${duplicate}' differ only in case, which Delta forbids`,
    });
  }
  for (const child of children) {
    const path = prefix ? `${prefix}.${child.name}` : child.name;
    const nameProblem = columnNameProblem(child.name);
    if (nameProblem) {
      problems.push({
        column: path,
        message: `the name ${nameProblem}, which Delta tables without column mapping reject`,
      });
    }
    const type = mapColumnType(child, path, problems);
    if (type) fields.push({ name: child.name, type, nullable: child.nullable, metadata: {} });
  }
  return { type: 'struct', fields };
}

/** The Delta schema of a DuckLake table, with what prevents or qualifies its export. */
export function toDeltaSchema(columns: readonly ColumnNode[]): DeltaSchemaResult {
  const problems: SchemaIssue[] = [];
  const warnings: SchemaIssue[] = [];
  if (columns.length === 0) problems.push({ column: '', message: 'the table has no columns' });
  const schema = mapStruct(columns, '', problems);
  const walk = (nodes: readonly ColumnNode[], prefix: string) => {
    for (const node of nodes) {
      const path = prefix ? `${prefix}.${node.name}` : node.name;
      const type = node.type.toLowerCase();
      if (type === 'timestamp' || type === 'timestamp_s' || type === 'timestamp_ms') {
        warnings.push({
          column: path,
          message: `${node.type.toUpperCase()} (no time zone) is exported as Delta timestamp: readers show the stored wall-clock time as UTC`,
        });
      }
      walk(node.children, path);
    }
  };
  walk(columns, '');
  return { schema, problems, warnings };
}

/** Delta's schemaString: the struct as compact JSON. */
export function schemaString(schema: DeltaStructType): string {
  return JSON.stringify(schema);
}
