import type { ColumnNode, SchemaIssue } from '../delta/schema';

/**
 * Iceberg schema of a DuckLake table. Field ids are DuckLake's column ids:
 * DuckLake writes them into the Parquet files as field_id, so Iceberg readers
 * match columns by id, and an added column gets a new id (older files read it
 * as null) exactly as in DuckLake. Every field is optional: DuckDB writes
 * every Parquet column as OPTIONAL, and readers refuse a required field read
 * from an optional column.
 */
export type IcebergPrimitive =
  | 'boolean'
  | 'int'
  | 'long'
  | 'float'
  | 'double'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'string'
  | 'binary'
  | `decimal(${number}, ${number})`;

export interface IcebergField {
  id: number;
  name: string;
  required: boolean;
  type: IcebergType;
}
export interface IcebergStruct {
  type: 'struct';
  fields: IcebergField[];
}
export interface IcebergList {
  type: 'list';
  'element-id': number;
  element: IcebergType;
  'element-required': boolean;
}
export interface IcebergMap {
  type: 'map';
  'key-id': number;
  key: IcebergType;
  'value-id': number;
  value: IcebergType;
  'value-required': boolean;
}
export type IcebergType = IcebergPrimitive | IcebergStruct | IcebergList | IcebergMap;

const PRIMITIVES: Record<string, IcebergPrimitive> = {
  boolean: 'boolean',
  int8: 'int',
  int16: 'int',
  int32: 'int',
  uint8: 'int',
  uint16: 'int',
  int64: 'long',
  uint32: 'long',
  float32: 'float',
  float64: 'double',
  varchar: 'string',
  json: 'string',
  blob: 'binary',
  date: 'date',
  timestamptz: 'timestamptz',
  // Iceberg has a timestamp without zone: no reinterpretation as UTC, unlike Delta.
  timestamp: 'timestamp',
};

const UNSUPPORTED: Record<string, string> = {
  timestamp_s: 'DuckDB writes it to Parquet in milliseconds; Iceberg timestamps are microseconds; cast to TIMESTAMP',
  timestamp_ms: 'Iceberg timestamps are microseconds and readers refuse milliseconds in the file; cast to TIMESTAMP',
  timestamp_ns: 'nanosecond timestamps need Iceberg v3, which Fabric and most readers do not read; cast to TIMESTAMP',
  time: 'TIME is written by DuckDB in a unit Iceberg readers do not all accept; cast to VARCHAR',
  uuid: 'UUID is not exported (readers disagree on its Parquet form); cast to VARCHAR',
};

export interface IcebergSchemaResult {
  fields: IcebergField[];
  lastColumnId: number;
  problems: SchemaIssue[];
}

export function toIcebergSchema(columns: readonly ColumnNode[]): IcebergSchemaResult {
  const problems: SchemaIssue[] = [];
  let lastColumnId = 0;
  const note = (id: number) => (lastColumnId = Math.max(lastColumnId, id));

  const mapType = (node: ColumnNode, path: string): IcebergType | undefined => {
    note(node.columnId);
    const type = node.type.toLowerCase();
    const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
    if (decimal) {
      const [precision, scale] = [Number(decimal[1]), Number(decimal[2])];
      if (precision >= 1 && precision <= 38 && scale <= precision) return `decimal(${precision}, ${scale})`;
      problems.push({ column: path, message: `DECIMAL(${precision},${scale}) is outside Iceberg's range` });
      return undefined;
    }
    const primitive = PRIMITIVES[type];
    if (primitive) return primitive;
    if (type === 'struct') return { type: 'struct', fields: mapFields(node.children, path) };
    if (type === 'list' && node.children.length === 1) {
      const element = node.children[0]!;
      const elementType = mapType(element, `${path}.element`);
      return (
        elementType && {
          type: 'list',
          'element-id': element.columnId,
          element: elementType,
          'element-required': false,
        }
      );
    }
    if (type === 'map') {
      const key = node.children.find((c) => c.name === 'key');
      const value = node.children.find((c) => c.name === 'value');
      if (key && value) {
        const keyType = mapType(key, `${path}.key`);
        const valueType = mapType(value, `${path}.value`);
        return (
          keyType &&
          valueType && {
            type: 'map',
            'key-id': key.columnId,
            key: keyType,
            'value-id': value.columnId,
            value: valueType,
            'value-required': false,
          }
        );
      }
    }
    const reason = UNSUPPORTED[type] ?? `DuckLake type '${node.type}' has no Iceberg equivalent here`;
    problems.push({ column: path, message: `${node.type.toUpperCase()}: ${reason}` });
    return undefined;
  };

  const mapFields = (nodes: readonly ColumnNode[], prefix: string): IcebergField[] => {
    const fields: IcebergField[] = [];
    for (const node of nodes) {
      const path = prefix ? `${prefix}.${node.name}` : node.name;
      const type = mapType(node, path);
      if (type) fields.push({ id: node.columnId, name: node.name, required: false, type });
    }
    return fields;
  };

  const fields = mapFields(columns, '');
  return { fields, lastColumnId, problems };
}

/** Iceberg's name mapping (`schema.name-mapping.default`): for files written without field ids. */
export function nameMapping(fields: readonly IcebergField[]): unknown[] {
  const children = (type: IcebergType): unknown[] | undefined => {
    if (typeof type === 'string') return undefined;
    if (type.type === 'struct') return nameMapping(type.fields);
    if (type.type === 'list') return [entry(type['element-id'], 'element', type.element)];
    return [entry(type['key-id'], 'key', type.key), entry(type['value-id'], 'value', type.value)];
  };
  const entry = (id: number, name: string, type: IcebergType) => {
    const nested = children(type);
    return nested ? { 'field-id': id, names: [name], fields: nested } : { 'field-id': id, names: [name] };
  };
  return fields.map((f) => entry(f.id, f.name, f.type));
}
