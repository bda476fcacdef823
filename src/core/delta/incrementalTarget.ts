import { isVisibleAt, type CatalogDataFile, type CatalogTable, type SnapshotChange } from '../ducklake/catalogReader';
import { filesHashUpdate } from './fingerprint';
import { readCommitMarker } from './logReader';
import type { DeltaLogStore } from './logStore';
import { encodeDeltaPath } from './paths';
import type { PreviousState } from './plan';
import { STATE_FORMAT, type ExportedTableState } from './report';
import { dataFileRelativePath, tableFolder } from './tableFolder';
import { buildTableTarget, type CatalogContext, type TableTarget } from './tableState';

/** Changes that name a new schema, table or view: they cannot touch an existing table's files or columns. */
export const NAME_ONLY_CHANGES: ReadonlySet<string> = new Set(['created_schema', 'created_table', 'created_view']);

/**
 * A table's own changes whose effect on its file set shows in the file rows alone: they add files
 * or set end_snapshot on them. A merge (merge_adjacent, compacted_table) instead deletes its inputs'
 * rows and dates its output back, and an altered_table may change columns or partitioning: those,
 * and any change not known here, take the full path.
 */
const FILE_ROW_CHANGES: ReadonlySet<string> = new Set(['inserted_into_table', 'deleted_from_table', 'rewrite_delete']);

export interface SnapshotChanges {
  complete: boolean;
  changes: readonly SnapshotChange[];
}

/** What an incremental export commits on top of: only the files that changed, and the whole table's totals. */
export interface IncrementalTarget {
  /** Lists only the files added since the known state; numFiles, numRecords and filesHash are the table's. */
  target: TableTarget;
  /** The known version with only the files to remove in `files`, so planCommit removes exactly them. */
  previous: PreviousState;
}

/**
 * The next commit's inputs for a table the known state exported at snapshot S, reading only the
 * table's files added or ended since S (not every live file's row). Undefined whenever that cannot
 * be proven equal to the full path: no usable state (missing, older format, another table or
 * catalog, S expired), a change other than adding or ending files, a file dated back before S, a
 * schema or partitioning change (metaData differs), a log whose known commit is not ours at S, or
 * totals that do not add up with the catalog's own count. The caller then takes the full path.
 */
export async function buildIncrementalTarget(
  ctx: CatalogContext,
  store: DeltaLogStore,
  table: CatalogTable,
  hint: ExportedTableState | undefined,
  changesSince: (after: number) => Promise<SnapshotChanges>,
): Promise<IncrementalTarget | undefined> {
  const now = ctx.snapshot.id;
  if (
    !hint ||
    hint.format !== STATE_FORMAT ||
    hint.tableId !== table.tableId ||
    hint.nextFileId === undefined ||
    hint.snapshotId >= now ||
    table.beginSnapshot > hint.snapshotId
  )
    return undefined;
  let folder: string | undefined;
  try {
    folder = tableFolder(table, ctx.dataPath);
  } catch {
    return undefined;
  }
  if (folder === undefined) return undefined;

  // The known snapshot must still be in this catalog as the state saw it: expiring it may have
  // dropped rows of files that were live then, and another catalog's snapshot S differs.
  const then = await ctx.reader.snapshot(hint.snapshotId);
  if (!then || then.nextFileId !== hint.nextFileId) return undefined;
  const since = await changesSince(hint.snapshotId);
  if (!since.complete) return undefined;
  let insertsOnly = true;
  for (const change of since.changes) {
    if (change.tableId === undefined ? !NAME_ONLY_CHANGES.has(change.kind) : change.tableId === table.tableId) {
      if (change.tableId === undefined || !FILE_ROW_CHANGES.has(change.kind)) return undefined;
      if (change.kind !== 'inserted_into_table') insertsOnly = false;
    }
  }
  const [specThen, specNow] = await Promise.all([
    ctx.reader.partitionSpec(table.tableId, hint.snapshotId),
    ctx.reader.partitionSpec(table.tableId, now),
  ]);
  if (specThen?.partitionId !== specNow?.partitionId) return undefined;

  const added: CatalogDataFile[] = [];
  const removed: CatalogDataFile[] = [];
  // Inserts only add files, under ids from next_file_id on: then only that id range is read (an
  // index range in SQLite); a delete or rewrite may also end older files, found by their end_snapshot.
  const changed = await ctx.reader.dataFilesChangedSince(table.tableId, hint.snapshotId, then.nextFileId, now, {
    endedToo: !insertsOnly,
  });
  for (const file of changed) {
    if (file.fileId >= then.nextFileId && file.beginSnapshot <= hint.snapshotId) return undefined;
    const wasLive = file.fileId < then.nextFileId && isVisibleAt(file, hint.snapshotId);
    const isLive = isVisibleAt(file, now);
    if (isLive && !wasLive) added.push(file);
    else if (wasLive && !isLive) removed.push(file);
  }

  // The new files pass the same checks as in a full build; the others passed them at S under the same columns.
  const built = await buildTableTarget(ctx, table, added);
  if (!built.ok || built.target.folder !== folder || built.target.metadataHash !== hint.metadataHash) return undefined;
  const target = built.target;

  const removedPaths: string[] = [];
  for (const file of removed) {
    let relative: string | undefined;
    try {
      relative = dataFileRelativePath(file, folder, ctx.dataPath);
    } catch {
      return undefined;
    }
    if (relative === undefined) return undefined;
    removedPaths.push(relative);
  }

  // One read confirms the log is at the known version, written by us from snapshot S.
  const marker = await readCommitMarker(store, folder, hint.version);
  if (
    !marker ||
    marker.snapshotId !== hint.snapshotId ||
    marker.tableId !== table.tableId ||
    marker.filesHash !== hint.filesHash ||
    marker.metadataHash !== hint.metadataHash
  )
    return undefined;
  const numFiles = marker.numFiles - removed.length + added.length;
  const numRecords = marker.numRecords - removed.reduce((n, f) => n + f.recordCount, 0) + target.numRecords;
  // The catalog's own count vouches that no file left without a row we saw.
  // (Inserts alone cannot remove a file, so the count, a scan of every file row, is spared them.)
  if (!insertsOnly) {
    const totals = await ctx.reader.liveFileTotals(table.tableId, now);
    if (totals.files !== numFiles || totals.records !== numRecords) return undefined;
  }
  let filesHash: string;
  try {
    filesHash = filesHashUpdate(hint.filesHash, target.files.keys(), removedPaths);
  } catch {
    return undefined; // a hash of an older format
  }
  target.numFiles = numFiles;
  target.numRecords = numRecords;
  target.filesHash = filesHash;
  return {
    target,
    previous: {
      version: hint.version,
      files: new Map(removedPaths.map((p) => [p, encodeDeltaPath(p)])),
      metadataHash: marker.metadataHash,
      partitionColumns: marker.partitionColumns,
      marker,
    },
  };
}
