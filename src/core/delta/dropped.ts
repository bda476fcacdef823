import { ENGINE_INFO, PROTOCOL, removeAction, serializeCommit, type Action } from './actions';
import { isVisibleAt, type CatalogTable } from '../ducklake/catalogReader';
import { DeltaLogError } from './errors';
import { listLog, replayLog, type ReplayDeps } from './logReader';
import { commitFileName, DELTA_LOG_DIR } from './paths';
import type { DroppedTableReport } from './report';
import { tableFolder } from './tableFolder';
import type { CatalogContext } from './tableState';

/**
 * DuckLake tables dropped (not just renamed) whose folder no live table
 * uses. Their Delta tables are emptied by `dropDeltaTable`.
 */
export function droppedTables(
  all: readonly CatalogTable[],
  ctx: CatalogContext,
  include: (t: CatalogTable) => boolean,
): Array<Omit<DroppedTableReport, 'delta'>> {
  const liveIds = new Set(all.filter((t) => isVisibleAt(t, ctx.snapshot.id)).map((t) => t.tableId));
  const liveFolders = new Set<string>();
  for (const t of all.filter((t) => liveIds.has(t.tableId))) {
    try {
      const folder = tableFolder(t, ctx.dataPath);
      if (folder) liveFolders.add(folder);
    } catch {
      // unsafe folders are reported with the table itself
    }
  }
  const byFolder = new Map<string, Omit<DroppedTableReport, 'delta'>>();
  for (const t of all) {
    if (liveIds.has(t.tableId) || t.endSnapshot === null || !include(t)) continue;
    let folder: string | undefined;
    try {
      folder = tableFolder(t, ctx.dataPath);
    } catch {
      continue;
    }
    if (!folder || liveFolders.has(folder)) continue;
    const existing = byFolder.get(folder);
    if (!existing || existing.droppedAtSnapshot < t.endSnapshot) {
      byFolder.set(folder, { schema: t.schemaName, name: t.name, folder, droppedAtSnapshot: t.endSnapshot });
    }
  }
  return [...byFolder.values()].sort((a, b) => a.folder.localeCompare(b.folder));
}

/**
 * Drops a dropped DuckLake table from Delta too: one final commit that removes
 * every file, so Fabric and other readers see an empty table instead of stale
 * rows. The Parquet files and the log stay (deleting data is DuckLake's
 * cleanup's job, and the retention settings keep VACUUM from it). Idempotent:
 * a log whose table is already empty gets no new commit.
 */
export async function dropDeltaTable(
  deps: ReplayDeps,
  dropped: Omit<DroppedTableReport, 'delta'>,
  now: () => number,
): Promise<Pick<DroppedTableReport, 'delta' | 'version'>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const listing = await listLog(deps.store, dropped.folder);
    if (listing.latest === undefined) return { delta: 'no-log' };
    let state;
    try {
      state = await replayLog(deps, dropped.folder, listing);
    } catch (error) {
      if (error instanceof DeltaLogError) return { delta: 'unsupported-log' };
      throw error;
    }
    const p = state.protocol;
    // A log another tool upgraded is not ours to write to.
    if (p && (p.minReaderVersion > PROTOCOL.minReaderVersion || p.minWriterVersion > PROTOCOL.minWriterVersion))
      return { delta: 'unsupported-log', version: state.version };
    if (state.files.size === 0) return { delta: 'already-empty', version: state.version };
    const timestamp = now();
    const actions: Action[] = [...state.files.values()].map((path) => ({
      remove: removeAction({ path, deletionTimestamp: timestamp, dataChange: true }),
    }));
    actions.push({
      commitInfo: {
        timestamp,
        operation: 'DELETE',
        operationParameters: {
          source: 'ducklake',
          ducklakeSnapshotId: String(dropped.droppedAtSnapshot),
          reason: 'table dropped in DuckLake',
        },
        operationMetrics: { numAddedFiles: '0', numRemovedFiles: String(state.files.size) },
        isBlindAppend: false,
        engineInfo: ENGINE_INFO,
      },
    });
    const version = state.version + 1;
    const path = dropped.folder + DELTA_LOG_DIR + commitFileName(version);
    const outcome = await deps.store.putIfAbsent(path, new TextEncoder().encode(serializeCommit(actions)));
    if (outcome === 'written') return { delta: 'emptied', version };
    // another exporter took this version: read again and decide again
  }
  return { delta: 'conflict' };
}
