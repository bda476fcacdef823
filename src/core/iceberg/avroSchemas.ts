/**
 * Avro schemas of Iceberg v2 manifests and manifest lists, with the field ids
 * the spec assigns (readers such as pyiceberg resolve fields by id). The data
 * file's `partition` is an empty record: tables are exported unpartitioned,
 * which is always correct because DuckLake keeps partition columns inside the
 * Parquet files too.
 */
const optional = (type: unknown) => ['null', type];

const intLongMap = (name: string, keyId: number, valueId: number, value: 'long' | 'bytes') => ({
  type: 'array',
  logicalType: 'map',
  items: {
    type: 'record',
    name,
    fields: [
      { name: 'key', type: 'int', 'field-id': keyId },
      { name: 'value', type: value, 'field-id': valueId },
    ],
  },
});

export const MANIFEST_ENTRY_SCHEMA = {
  type: 'record',
  name: 'manifest_entry',
  fields: [
    { name: 'status', type: 'int', 'field-id': 0 },
    { name: 'snapshot_id', type: optional('long'), default: null, 'field-id': 1 },
    { name: 'sequence_number', type: optional('long'), default: null, 'field-id': 3 },
    { name: 'file_sequence_number', type: optional('long'), default: null, 'field-id': 4 },
    {
      name: 'data_file',
      'field-id': 2,
      type: {
        type: 'record',
        name: 'r2',
        fields: [
          { name: 'content', type: 'int', 'field-id': 134 },
          { name: 'file_path', type: 'string', 'field-id': 100 },
          { name: 'file_format', type: 'string', 'field-id': 101 },
          { name: 'partition', type: { type: 'record', name: 'r102', fields: [] }, 'field-id': 102 },
          { name: 'record_count', type: 'long', 'field-id': 103 },
          { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
          {
            name: 'column_sizes',
            type: optional(intLongMap('k117_v118', 117, 118, 'long')),
            default: null,
            'field-id': 108,
          },
          {
            name: 'value_counts',
            type: optional(intLongMap('k119_v120', 119, 120, 'long')),
            default: null,
            'field-id': 109,
          },
          {
            name: 'null_value_counts',
            type: optional(intLongMap('k121_v122', 121, 122, 'long')),
            default: null,
            'field-id': 110,
          },
          {
            name: 'nan_value_counts',
            type: optional(intLongMap('k138_v139', 138, 139, 'long')),
            default: null,
            'field-id': 137,
          },
          {
            name: 'lower_bounds',
            type: optional(intLongMap('k126_v127', 126, 127, 'bytes')),
            default: null,
            'field-id': 125,
          },
          {
            name: 'upper_bounds',
            type: optional(intLongMap('k129_v130', 129, 130, 'bytes')),
            default: null,
            'field-id': 128,
          },
          { name: 'key_metadata', type: optional('bytes'), default: null, 'field-id': 131 },
          {
            name: 'split_offsets',
            type: optional({ type: 'array', items: 'long', 'element-id': 133 }),
            default: null,
            'field-id': 132,
          },
          {
            name: 'equality_ids',
            type: optional({ type: 'array', items: 'int', 'element-id': 136 }),
            default: null,
            'field-id': 135,
          },
          { name: 'sort_order_id', type: optional('int'), default: null, 'field-id': 140 },
        ],
      },
    },
  ],
};

export const MANIFEST_FILE_SCHEMA = {
  type: 'record',
  name: 'manifest_file',
  fields: [
    { name: 'manifest_path', type: 'string', 'field-id': 500 },
    { name: 'manifest_length', type: 'long', 'field-id': 501 },
    { name: 'partition_spec_id', type: 'int', 'field-id': 502 },
    { name: 'content', type: 'int', 'field-id': 517 },
    { name: 'sequence_number', type: 'long', 'field-id': 515 },
    { name: 'min_sequence_number', type: 'long', 'field-id': 516 },
    { name: 'added_snapshot_id', type: 'long', 'field-id': 503 },
    { name: 'added_files_count', type: 'int', 'field-id': 504 },
    { name: 'existing_files_count', type: 'int', 'field-id': 505 },
    { name: 'deleted_files_count', type: 'int', 'field-id': 506 },
    { name: 'added_rows_count', type: 'long', 'field-id': 512 },
    { name: 'existing_rows_count', type: 'long', 'field-id': 513 },
    { name: 'deleted_rows_count', type: 'long', 'field-id': 514 },
    {
      name: 'partitions',
      type: optional({
        type: 'array',
        items: {
          type: 'record',
          name: 'r508',
          fields: [
            { name: 'contains_null', type: 'boolean', 'field-id': 509 },
            { name: 'contains_nan', type: optional('boolean'), default: null, 'field-id': 518 },
            { name: 'lower_bound', type: optional('bytes'), default: null, 'field-id': 510 },
            { name: 'upper_bound', type: optional('bytes'), default: null, 'field-id': 511 },
          ],
        },
        'element-id': 508,
      }),
      default: null,
      'field-id': 507,
    },
    { name: 'key_metadata', type: optional('bytes'), default: null, 'field-id': 519 },
  ],
};

export const ENTRY_STATUS = { existing: 0, added: 1, deleted: 2 } as const;

export interface IntMapEntry<V> {
  key: number;
  value: V;
}

export interface DataFileRecord {
  content: 0;
  file_path: string;
  file_format: 'PARQUET';
  partition: Record<string, never>;
  record_count: number;
  file_size_in_bytes: number;
  column_sizes: IntMapEntry<number>[] | null;
  value_counts: IntMapEntry<number>[] | null;
  null_value_counts: IntMapEntry<number>[] | null;
  nan_value_counts: IntMapEntry<number>[] | null;
  lower_bounds: IntMapEntry<Buffer>[] | null;
  upper_bounds: IntMapEntry<Buffer>[] | null;
  key_metadata: Buffer | null;
  split_offsets: number[] | null;
  equality_ids: number[] | null;
  sort_order_id: number | null;
}

export interface ManifestEntry {
  status: number;
  snapshot_id: number | null;
  sequence_number: number | null;
  file_sequence_number: number | null;
  data_file: DataFileRecord;
}

export interface ManifestFile {
  manifest_path: string;
  manifest_length: number;
  partition_spec_id: number;
  content: number;
  sequence_number: number;
  min_sequence_number: number;
  added_snapshot_id: number;
  added_files_count: number;
  existing_files_count: number;
  deleted_files_count: number;
  added_rows_count: number;
  existing_rows_count: number;
  deleted_rows_count: number;
  key_metadata: Buffer | null;
  partitions:
    | null
    | {
        contains_null: boolean;
        contains_nan: boolean | null;
        lower_bound: Buffer | null;
        upper_bound: Buffer | null;
      }[];
}
