import { isVisibleAt, type CatalogTable } from './catalogReader';
import type { DroppedTableReport } from './report';
import { tableFolder } from './tableFolder';
import type { CatalogContext } from './tableState';

/**
 * DuckLake tables dropped (not just renamed) whose folder no live table
 * uses. Their Delta folders are left alone: deleting data is the user's call.
 */
export function droppedTables(
  all: readonly CatalogTable[],
  ctx: CatalogContext,
  include: (t: CatalogTable) => boolean,
): DroppedTableReport[] {
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
  const byFolder = new Map<string, DroppedTableReport>();
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
