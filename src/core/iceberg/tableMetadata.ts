import type { IcebergField } from './schema';

/** The parts of Iceberg v2 table metadata this exporter writes and reads back. */
export interface IcebergSchemaJson {
  type: 'struct';
  'schema-id': number;
  fields: IcebergField[];
}

export interface IcebergSnapshotJson {
  'snapshot-id': number;
  'parent-snapshot-id'?: number;
  'sequence-number': number;
  'timestamp-ms': number;
  'manifest-list': string;
  summary: Record<string, string> & { operation: string };
  'schema-id': number;
}

export interface IcebergTableMetadata {
  'format-version': 2;
  'table-uuid': string;
  location: string;
  'last-sequence-number': number;
  'last-updated-ms': number;
  'last-column-id': number;
  'current-schema-id': number;
  schemas: IcebergSchemaJson[];
  'default-spec-id': 0;
  'partition-specs': [{ 'spec-id': 0; fields: [] }];
  'last-partition-id': 999;
  'default-sort-order-id': 0;
  'sort-orders': [{ 'order-id': 0; fields: [] }];
  properties: Record<string, string>;
  'current-snapshot-id': number;
  refs: Record<string, { 'snapshot-id': number; type: 'branch' }>;
  snapshots: IcebergSnapshotJson[];
  'snapshot-log': { 'timestamp-ms': number; 'snapshot-id': number }[];
  'metadata-log': { 'timestamp-ms': number; 'metadata-file': string }[];
}

/** Properties that tie a metadata version to the DuckLake state it shows (what the next export compares). */
export const PROP_SNAPSHOT = 'ducklake.snapshot-id';
export const PROP_TABLE_ID = 'ducklake.table-id';
export const PROP_FILES_HASH = 'ducklake.files-hash';
export const PROP_METADATA_HASH = 'ducklake.metadata-hash';
export const PROP_RECORDS = 'ducklake.record-count';
export const PROP_WRITER = 'ducklake.exported-by';
export const WRITER = 'lakehouse-dev';

export interface NextMetadataInput {
  previous: IcebergTableMetadata | undefined;
  previousFile: string | undefined;
  tableUuid: string;
  location: string;
  fields: IcebergField[];
  lastColumnId: number;
  properties: Record<string, string>;
  /** The new snapshot, or undefined for a schema-only change. */
  snapshot?: Omit<IcebergSnapshotJson, 'schema-id'>;
  now: number;
}

/** Metadata version N+1: the previous one with the new schema (if it changed) and snapshot appended. */
export function nextMetadata(input: NextMetadataInput): IcebergTableMetadata {
  const prev = input.previous;
  const schemas = prev ? [...prev.schemas] : [];
  const current = prev?.schemas.find((s) => s['schema-id'] === prev['current-schema-id']);
  let schemaId: number;
  if (current && JSON.stringify(current.fields) === JSON.stringify(input.fields)) {
    schemaId = current['schema-id'];
  } else {
    const same = schemas.find((s) => JSON.stringify(s.fields) === JSON.stringify(input.fields));
    schemaId = same ? same['schema-id'] : schemas.reduce((max, s) => Math.max(max, s['schema-id'] + 1), 0);
    if (!same) schemas.push({ type: 'struct', 'schema-id': schemaId, fields: input.fields });
  }
  const snapshots = prev ? [...prev.snapshots] : [];
  const snapshotLog = prev ? [...prev['snapshot-log']] : [];
  let currentSnapshot = prev?.['current-snapshot-id'] ?? -1;
  let lastSequence = prev?.['last-sequence-number'] ?? 0;
  if (input.snapshot) {
    snapshots.push({ ...input.snapshot, 'schema-id': schemaId });
    snapshotLog.push({ 'timestamp-ms': input.snapshot['timestamp-ms'], 'snapshot-id': input.snapshot['snapshot-id'] });
    currentSnapshot = input.snapshot['snapshot-id'];
    lastSequence = input.snapshot['sequence-number'];
  }
  const metadataLog = prev ? [...prev['metadata-log']] : [];
  if (prev && input.previousFile)
    metadataLog.push({ 'timestamp-ms': prev['last-updated-ms'], 'metadata-file': input.previousFile });
  return {
    'format-version': 2,
    // Iceberg table uuids never change: a table replaced in DuckLake shows as an overwrite.
    'table-uuid': prev?.['table-uuid'] ?? input.tableUuid,
    location: input.location,
    'last-sequence-number': lastSequence,
    'last-updated-ms': input.now,
    'last-column-id': Math.max(prev?.['last-column-id'] ?? 0, input.lastColumnId),
    'current-schema-id': schemaId,
    schemas,
    'default-spec-id': 0,
    'partition-specs': [{ 'spec-id': 0, fields: [] }],
    'last-partition-id': 999,
    'default-sort-order-id': 0,
    'sort-orders': [{ 'order-id': 0, fields: [] }],
    properties: { ...(prev?.properties ?? {}), ...input.properties },
    'current-snapshot-id': currentSnapshot,
    refs: currentSnapshot === -1 ? {} : { main: { 'snapshot-id': currentSnapshot, type: 'branch' } },
    snapshots,
    'snapshot-log': snapshotLog,
    'metadata-log': metadataLog,
  };
}

/** Parses a metadata file this exporter can continue from; undefined for anything else (another writer, v1, v3). */
export function parseMetadata(text: string): IcebergTableMetadata | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const m = json as Partial<IcebergTableMetadata>;
  if (m['format-version'] !== 2 || !Array.isArray(m.schemas) || !Array.isArray(m.snapshots)) return undefined;
  if (m.properties?.[PROP_WRITER] !== WRITER) return undefined;
  if (!Array.isArray(m['snapshot-log']) || !Array.isArray(m['metadata-log'])) return undefined;
  return m as IcebergTableMetadata;
}
