import { createHash } from 'node:crypto';
import type { MetaDataAction } from './actions';

/**
 * The Delta table id: the DuckLake table uuid when the catalog has a valid
 * one (DuckLake 1.0 always does), otherwise a name-based (v5-style) UUID of
 * the table's identity, so re-exports of the same table always agree.
 */
export function deltaTableId(table: { uuid: string | null; tableId: number }, dataPath: string): string {
  if (table.uuid && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(table.uuid)) {
    return table.uuid.toLowerCase();
  }
  return nameBasedUuid(`ducklake-table:${dataPath}:${table.tableId}`);
}

export function nameBasedUuid(name: string): string {
  const bytes = createHash('sha1').update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Fingerprint of a table's file set: sha256 of the sorted decoded paths. */
export function filesHash(decodedPaths: Iterable<string>): string {
  return sha256([...decodedPaths].sort().join('\n'));
}

/** Fingerprint of the metaData fields readers act on (not createdTime). */
export function metadataHash(
  meta: Pick<MetaDataAction, 'id' | 'format' | 'schemaString' | 'partitionColumns' | 'configuration'>,
): string {
  const configuration = Object.entries(meta.configuration ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sha256(
    JSON.stringify([meta.id, meta.format?.provider, meta.schemaString, meta.partitionColumns ?? [], configuration]),
  );
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
