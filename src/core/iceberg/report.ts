import type { StoreRequestCounts } from '../delta/logStore';

/** What the Iceberg export last wrote for a table folder; pass back as `known[folder].iceberg`. */
export interface IcebergState {
  version: number;
  filesHash: string;
  metadataHash: string;
}

export type IcebergSkipCode = 'unsupported-schema' | 'unsupported-metadata' | 'conflict';

export interface IcebergTableReport {
  status: 'created' | 'updated' | 'unchanged' | 'skipped';
  /** The metadata version written (`v<N>.metadata.json`), or the current one when unchanged. */
  version?: number;
  /** Iceberg snapshot operation of the new snapshot: append, delete, overwrite or replace (compaction). */
  operation?: 'append' | 'delete' | 'overwrite' | 'replace';
  snapshotId?: number;
  adds: number;
  removes: number;
  schemaChanged: boolean;
  skipped?: { code: IcebergSkipCode; message: string; hint: string };
  requests: StoreRequestCounts;
  state?: IcebergState;
}
