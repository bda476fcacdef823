import { randomUUID } from 'node:crypto';
import type { DeltaLogStore } from '../delta/logStore';
import { decodeAvroFile, encodeAvroFile } from './avroFile';
import {
  ENTRY_STATUS,
  MANIFEST_ENTRY_SCHEMA,
  MANIFEST_FILE_SCHEMA,
  type ManifestEntry,
  type ManifestFile,
} from './avroSchemas';
import { METADATA_DIR, storePathOf } from './layout';
import type { IcebergSchemaJson } from './tableMetadata';

export interface TableFiles {
  folder: string;
  location: string;
}

/** Writes one manifest (a new, uniquely named object) and returns its manifest-list record. */
export async function writeManifest(
  store: DeltaLogStore,
  table: TableFiles,
  entries: readonly ManifestEntry[],
  schema: IcebergSchemaJson,
  snapshotId: number,
  sequenceNumber: number,
): Promise<ManifestFile> {
  const name = `${randomUUID()}-m0.avro`;
  const bytes = await encodeAvroFile(MANIFEST_ENTRY_SCHEMA, entries, {
    schema: JSON.stringify(schema),
    'schema-id': String(schema['schema-id']),
    'partition-spec': '[]',
    'partition-spec-id': '0',
    'format-version': '2',
    content: 'data',
  });
  if ((await store.putIfAbsent(table.folder + METADATA_DIR + name, bytes)) === 'exists')
    throw new Error(`manifest name collision: ${name}`);
  const count = (status: number) => entries.filter((e) => e.status === status);
  const rows = (list: ManifestEntry[]) => list.reduce((sum, e) => sum + e.data_file.record_count, 0);
  const live = entries.filter((e) => e.status !== ENTRY_STATUS.deleted);
  return {
    manifest_path: `${table.location}/${METADATA_DIR}${name}`,
    manifest_length: bytes.length,
    partition_spec_id: 0,
    content: 0,
    sequence_number: sequenceNumber,
    min_sequence_number: live.reduce((min, e) => Math.min(min, e.sequence_number ?? sequenceNumber), sequenceNumber),
    added_snapshot_id: snapshotId,
    added_files_count: count(ENTRY_STATUS.added).length,
    existing_files_count: count(ENTRY_STATUS.existing).length,
    deleted_files_count: count(ENTRY_STATUS.deleted).length,
    added_rows_count: rows(count(ENTRY_STATUS.added)),
    existing_rows_count: rows(count(ENTRY_STATUS.existing)),
    deleted_rows_count: rows(count(ENTRY_STATUS.deleted)),
    partitions: [],
    key_metadata: null,
  };
}

export async function writeManifestList(
  store: DeltaLogStore,
  table: TableFiles,
  manifests: readonly ManifestFile[],
  snapshotId: number,
  parentId: number | undefined,
  sequenceNumber: number,
): Promise<string> {
  const name = `snap-${snapshotId}-1-${randomUUID()}.avro`;
  const bytes = await encodeAvroFile(MANIFEST_FILE_SCHEMA, manifests, {
    'snapshot-id': String(snapshotId),
    'parent-snapshot-id': parentId === undefined ? 'null' : String(parentId),
    'sequence-number': String(sequenceNumber),
    'format-version': '2',
  });
  if ((await store.putIfAbsent(table.folder + METADATA_DIR + name, bytes)) === 'exists')
    throw new Error(`manifest list name collision: ${name}`);
  return `${table.location}/${METADATA_DIR}${name}`;
}

/** Reads an Avro object the exporter wrote, by its absolute location; undefined when gone or not ours. */
export async function readAvro<T>(store: DeltaLogStore, table: TableFiles, absolute: string): Promise<T[] | undefined> {
  const path = storePathOf(table.folder, table.location, absolute);
  if (!path) return undefined;
  const bytes = await store.read(path);
  if (!bytes) return undefined;
  return (await decodeAvroFile<T>(bytes)).records;
}
