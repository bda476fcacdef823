/**
 * Delta log actions (PROTOCOL.md "Actions"), their builders, and the
 * newline-delimited JSON a commit file holds.
 */
import { RETENTION_CONFIGURATION } from './retention';

export interface ProtocolAction {
  minReaderVersion: number;
  minWriterVersion: number;
}

export interface MetaDataAction {
  id: string;
  format: { provider: 'parquet'; options: Record<string, string> };
  schemaString: string;
  partitionColumns: string[];
  configuration: Record<string, string>;
  createdTime: number;
}

export interface AddAction {
  /** Relative to the table folder, URI-encoded (see encodeDeltaPath). */
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  modificationTime: number;
  dataChange: boolean;
  stats?: string;
}

export interface RemoveAction {
  path: string;
  deletionTimestamp: number;
  dataChange: boolean;
  extendedFileMetadata?: boolean;
  partitionValues?: Record<string, string | null>;
  size?: number;
}

/**
 * What this exporter records in each commit so the next export knows where it
 * left off without replaying the log: the DuckLake snapshot exported and a
 * fingerprint of the table state after the commit.
 */
export interface ExportMarker {
  snapshotId: number;
  tableId: number;
  tableUuid: string | null;
  numFiles: number;
  numRecords: number;
  /** Set hash of the decoded file paths of the table after this commit (fingerprint.ts filesHash). */
  filesHash: string;
  /** sha256 of the metaData fields that matter (see metadataHash). */
  metadataHash: string;
  partitionColumns: string[];
}

export const MARKER_KEY = 'ducklakeExport';

export interface CommitInfoAction {
  timestamp: number;
  operation: string;
  /** Spark reads these as strings. */
  operationParameters: Record<string, string>;
  operationMetrics: Record<string, string>;
  isBlindAppend: boolean;
  engineInfo: string;
  /** Absent on a drop commit: no live DuckLake table stands behind it. */
  [MARKER_KEY]?: ExportMarker;
}

export type Action =
  | { commitInfo: CommitInfoAction }
  | { protocol: ProtocolAction }
  | { metaData: MetaDataAction }
  | { remove: RemoveAction }
  | { add: AddAction };

/** Readers with version 1 / 2 support: what Fabric, delta-rs and DuckDB all read. */
export const PROTOCOL: ProtocolAction = { minReaderVersion: 1, minWriterVersion: 2 };

export const ENGINE_INFO = 'lakehouse-dev-delta-exporter/1';

export function metaDataAction(input: {
  id: string;
  schemaString: string;
  partitionColumns: string[];
  createdTime: number;
}): MetaDataAction {
  return {
    id: input.id,
    format: { provider: 'parquet', options: {} },
    schemaString: input.schemaString,
    partitionColumns: [...input.partitionColumns],
    // Keeps Fabric's VACUUM from deleting Parquet files DuckLake still references.
    configuration: { ...RETENTION_CONFIGURATION },
    createdTime: input.createdTime,
  };
}

export function removeAction(input: {
  path: string;
  deletionTimestamp: number;
  dataChange: boolean;
  size?: number;
  partitionValues?: Record<string, string | null>;
}): RemoveAction {
  const remove: RemoveAction = {
    path: input.path,
    deletionTimestamp: input.deletionTimestamp,
    dataChange: input.dataChange,
  };
  if (input.size !== undefined && input.partitionValues !== undefined) {
    remove.extendedFileMetadata = true;
    remove.partitionValues = input.partitionValues;
    remove.size = input.size;
  }
  return remove;
}

export function commitInfoAction(input: {
  timestamp: number;
  dataChange: boolean;
  blindAppend: boolean;
  adds: number;
  removes: number;
  marker: ExportMarker;
}): CommitInfoAction {
  return {
    timestamp: input.timestamp,
    operation: input.dataChange ? 'WRITE' : 'OPTIMIZE',
    operationParameters: { source: 'ducklake', ducklakeSnapshotId: String(input.marker.snapshotId) },
    operationMetrics: { numAddedFiles: String(input.adds), numRemovedFiles: String(input.removes) },
    isBlindAppend: input.blindAppend,
    engineInfo: ENGINE_INFO,
    [MARKER_KEY]: input.marker,
  };
}

/**
 * One JSON document per line, in the order Spark writes them (commitInfo,
 * protocol, metaData, then file actions), ending with a newline.
 */
export function serializeCommit(actions: readonly Action[]): string {
  const rank = (action: Action) =>
    'commitInfo' in action ? 0 : 'protocol' in action ? 1 : 'metaData' in action ? 2 : 'remove' in action ? 3 : 4;
  return (
    [...actions]
      .sort((a, b) => rank(a) - rank(b))
      .map((action) => JSON.stringify(action))
      .join('\n') + '\n'
  );
}

/** A commit file read back: loosely typed, since any Delta writer may have produced it. */
export interface ParsedCommit {
  adds: { path: string }[];
  removes: { path: string }[];
  protocol?: ProtocolAction;
  metaData?: MetaDataAction;
  marker?: ExportMarker;
}

export function parseCommit(text: string): ParsedCommit {
  const commit: ParsedCommit = { adds: [], removes: [] };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const action = JSON.parse(line) as Record<string, unknown>;
    if (isRecord(action.add) && typeof action.add.path === 'string') commit.adds.push({ path: action.add.path });
    else if (isRecord(action.remove) && typeof action.remove.path === 'string')
      commit.removes.push({ path: action.remove.path });
    else if (isRecord(action.protocol)) commit.protocol = action.protocol as unknown as ProtocolAction;
    else if (isRecord(action.metaData)) commit.metaData = action.metaData as unknown as MetaDataAction;
    else if (isRecord(action.commitInfo) && isMarker(action.commitInfo[MARKER_KEY]))
      commit.marker = action.commitInfo[MARKER_KEY];
  }
  return commit;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isMarker(value: unknown): value is ExportMarker {
  if (!isRecord(value)) return false;
  return (
    Number.isSafeInteger(value.snapshotId) &&
    Number.isSafeInteger(value.tableId) &&
    Number.isSafeInteger(value.numRecords) &&
    typeof value.filesHash === 'string' &&
    typeof value.metadataHash === 'string' &&
    Array.isArray(value.partitionColumns)
  );
}
