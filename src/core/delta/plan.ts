import {
  commitInfoAction,
  PROTOCOL,
  removeAction,
  type Action,
  type AddAction,
  type ExportMarker,
  type ProtocolAction,
} from './actions';
import type { SnapshotChange } from '../ducklake/catalogReader';
import type { TableTarget } from './tableState';

/** The Delta table as it stands before this export. */
export interface PreviousState {
  version: number;
  /** Decoded relative path -> the path exactly as the log has it. */
  files: ReadonlyMap<string, string>;
  metadataHash: string | undefined;
  /** Undefined when unknown (a log from another writer without its metaData at hand). */
  partitionColumns: readonly string[] | undefined;
  /** Present when the log was replayed; our own logs are always PROTOCOL. */
  protocol?: ProtocolAction;
  /** Our marker from the latest commit, when that commit is ours. */
  marker?: ExportMarker;
}

export interface CommitPlan {
  version: number;
  actions: Action[];
  adds: number;
  removes: number;
  metadataChanged: boolean;
  dataChange: boolean;
  marker: ExportMarker;
}

/**
 * DuckLake changes that only rearrange rows into other files. A commit is
 * marked `dataChange: false` only when every DuckLake change to the table
 * since the last export is one of these AND the table's record count is
 * unchanged (our marker records it), so a streaming reader may skip it.
 * Anything else, including an insert next to a compaction, is a data change.
 */
export const COMPACTION_CHANGES: ReadonlySet<string> = new Set(['merge_adjacent', 'compacted_table']);

export interface PlanContext {
  /** The DuckLake snapshot being exported and its time (removes are stamped with it). */
  snapshotId: number;
  snapshotTimeMs: number;
  /** Catalog changes in (marker.snapshotId, snapshotId]; empty when there is no marker. */
  changes: readonly SnapshotChange[];
  now: number;
}

/** The next commit for `target` on top of `previous`, or undefined when nothing changed. */
export function planCommit(
  previous: PreviousState | undefined,
  target: TableTarget,
  ctx: PlanContext,
): CommitPlan | undefined {
  const marker: ExportMarker = {
    snapshotId: ctx.snapshotId,
    tableId: target.table.tableId,
    tableUuid: target.table.uuid,
    numFiles: target.numFiles,
    numRecords: target.numRecords,
    filesHash: target.filesHash,
    metadataHash: target.metadataHash,
    partitionColumns: [...target.metaData.partitionColumns],
  };

  if (!previous) {
    const adds = [...target.files.values()].map((f) => f.add);
    const actions: Action[] = [{ protocol: PROTOCOL }, { metaData: target.metaData }, ...adds.map((add) => ({ add }))];
    actions.push({
      commitInfo: commitInfoAction({
        timestamp: ctx.now,
        dataChange: true,
        blindAppend: false,
        adds: adds.length,
        removes: 0,
        marker,
      }),
    });
    return { version: 0, actions, adds: adds.length, removes: 0, metadataChanged: true, dataChange: true, marker };
  }

  const metadataChanged = previous.metadataHash !== target.metadataHash;
  const protocolUpgrade =
    previous.protocol !== undefined &&
    (previous.protocol.minReaderVersion < PROTOCOL.minReaderVersion ||
      previous.protocol.minWriterVersion < PROTOCOL.minWriterVersion);
  const partitionsChanged =
    previous.partitionColumns === undefined
      ? metadataChanged
      : !sameList(previous.partitionColumns, target.metaData.partitionColumns);

  const removed = [...previous.files.entries()].filter(([decoded]) => !target.files.has(decoded));
  const added = [...target.files.values()].filter((f) => !previous.files.has(f.relativePath));
  // New partition columns: files that stay must be re-added with their new partitionValues.
  const readded = partitionsChanged ? [...target.files.values()].filter((f) => previous.files.has(f.relativePath)) : [];

  if (!metadataChanged && !protocolUpgrade && removed.length === 0 && added.length === 0) return undefined;

  const ownChanges = ctx.changes.filter((c) => c.tableId === target.table.tableId);
  const compactionOnly =
    removed.length > 0 &&
    added.length > 0 &&
    !metadataChanged &&
    previous.marker !== undefined &&
    previous.marker.tableId === target.table.tableId &&
    previous.marker.numRecords === target.numRecords &&
    ownChanges.length > 0 &&
    ownChanges.every((c) => COMPACTION_CHANGES.has(c.kind));
  const dataChange = !compactionOnly;

  const actions: Action[] = [];
  if (protocolUpgrade) actions.push({ protocol: PROTOCOL });
  if (metadataChanged) actions.push({ metaData: target.metaData });
  for (const [, path] of removed) {
    actions.push({ remove: removeAction({ path, deletionTimestamp: ctx.snapshotTimeMs, dataChange }) });
  }
  for (const file of added) actions.push({ add: { ...file.add, dataChange } satisfies AddAction });
  for (const file of readded) actions.push({ add: { ...file.add, dataChange: false } });
  actions.push({
    commitInfo: commitInfoAction({
      timestamp: ctx.now,
      dataChange,
      blindAppend: dataChange && removed.length === 0 && !metadataChanged,
      adds: added.length + readded.length,
      removes: removed.length,
      marker,
    }),
  });
  return {
    version: previous.version + 1,
    actions,
    adds: added.length + readded.length,
    removes: removed.length,
    metadataChanged,
    dataChange,
    marker,
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
