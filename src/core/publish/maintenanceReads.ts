import { CatalogReader } from '../ducklake/catalogReader';
import { type DuckDBSource } from '../lake/lazySession';
import { sizeBytes, type TableLayout } from '../lake/layout';
import type { MaintenanceOptions } from './maintenance';

// DuckLake's default target_file_size when the catalog sets none (its docs: 512MB).
const DEFAULT_TARGET_BYTES = 512 * 1e6;

/**
 * The tables whose Parquet files DuckLake's maintenance opens: those with
 * deletes to rewrite (delete files or inlined deletes) and those with two or
 * more files under their target size to merge. Flushing inlined rows writes
 * new files without reading old ones. `all` when it cannot tell. A run that
 * pulled only the tables it read fetches these before maintenance: DuckLake
 * fails on a data file missing from the mirror.
 */
export async function tablesMaintenanceReads(
  session: DuckDBSource,
  catalogFile: string,
  options: MaintenanceOptions,
  layout: TableLayout | undefined,
): Promise<Array<{ schema: string; table: string }> | 'all'> {
  let reader: CatalogReader | undefined;
  try {
    reader = await CatalogReader.open(session, catalogFile);
    const ids = new Set<number>();
    if (options.rewriteDeletes) {
      const snapshot = (await reader.currentSnapshot()).id;
      for (const counts of [await reader.liveDeleteFiles(snapshot), await reader.inlinedDeletes(snapshot)])
        for (const [id, n] of counts) if (n > 0) ids.add(id);
    }
    if (options.mergeFiles) {
      const meta = await reader.settings();
      // The lakehouse's layout is written before the merge runs, so its target is the one that counts.
      const globalTarget =
        layout?.targetFileSize !== undefined
          ? String(sizeBytes(layout.targetFileSize))
          : meta.find((m) => !m.scope && m.key === 'target_file_size')?.value;
      const otherwise = globalTarget === undefined ? DEFAULT_TARGET_BYTES : Number(globalTarget);
      const perTable = new Map(
        meta
          .filter((m) => m.scope === 'table' && m.scopeId !== null && m.key === 'target_file_size')
          .map((m) => [m.scopeId!, Number(m.value)] as const),
      );
      if ([otherwise, ...perTable.values()].some((n) => !Number.isFinite(n))) return 'all';
      for (const id of await reader.tablesWithSmallFiles(perTable, otherwise)) ids.add(id);
    }
    return (await reader.tables())
      .filter((t) => t.endSnapshot === null && ids.has(t.tableId))
      .map((t) => ({ schema: t.schemaName, table: t.name }));
  } catch {
    return 'all';
  } finally {
    await reader?.close();
  }
}
