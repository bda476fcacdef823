import { type DuckDBSource } from '../lake/lazySession';
import { CatalogReader } from '../ducklake/catalogReader';
import { sizeBytes, type TableLayout } from '../lake/layout';
import type { MaintenanceOptions } from './maintenance';

// DuckLake's default target_file_size when the catalog sets none (its docs: 512MB).
const DEFAULT_TARGET_BYTES = 512 * 1e6;

/**
 * Why publish's maintenance has work, read from the catalog's own tables
 * without attaching it through DuckLake (which is most of maintenance's fixed
 * cost): layout options to write, inlined rows to flush, delete files to
 * rewrite, or a table with two or more files under its target size to merge.
 * Empty means maintenance would change nothing, so publish skips it. Errs on
 * the side of work: anything it cannot tell counts as a reason.
 */
export async function maintenanceWork(
  session: DuckDBSource,
  catalogFile: string,
  options: MaintenanceOptions,
  layout: TableLayout | undefined,
): Promise<string[]> {
  const reasons: string[] = [];
  let reader: CatalogReader | undefined;
  try {
    reader = await CatalogReader.open(session, catalogFile);
    const meta = await reader.settings();
    const global = new Map(meta.filter((m) => !m.scope).map((m) => [m.key, m.value]));
    if (layout?.rowGroupSize !== undefined && global.get('parquet_row_group_size') !== String(layout.rowGroupSize))
      reasons.push('layout: parquet_row_group_size');
    if (
      layout?.targetFileSize !== undefined &&
      global.get('target_file_size') !== String(sizeBytes(layout.targetFileSize))
    )
      reasons.push('layout: target_file_size');

    if (options.flushInlinedData || options.rewriteDeletes) {
      // Inlined rows and deletes (small deletes live in the catalog, not in delete files).
      const snapshot = (await reader.currentSnapshot()).id;
      if (options.flushInlinedData && any(await reader.inlinedRows(snapshot))) reasons.push('inlined rows');
      if (options.rewriteDeletes) {
        if (any(await reader.liveDeleteFiles(snapshot))) reasons.push('delete files');
        if (any(await reader.inlinedDeletes(snapshot))) reasons.push('inlined deletes');
      }
    }
    if (options.mergeFiles) {
      const globalTarget = global.get('target_file_size');
      const otherwise = globalTarget === undefined ? DEFAULT_TARGET_BYTES : Number(globalTarget);
      const perTable = new Map(
        meta
          .filter((m) => m.scope === 'table' && m.scopeId !== null && m.key === 'target_file_size')
          .map((m) => [m.scopeId!, Number(m.value)] as const),
      );
      if ([otherwise, ...perTable.values()].some((n) => !Number.isFinite(n))) reasons.push('small files to merge');
      else if ((await reader.tablesWithSmallFiles(perTable, otherwise)).length > 0)
        reasons.push('small files to merge');
    }
  } catch (error) {
    // A catalog shaped in a way this does not know: let DuckLake's own maintenance decide.
    reasons.push(`unknown (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
  } finally {
    await reader?.close();
  }
  return reasons;
}

/** Whether any table's count is above zero. */
function any(counts: ReadonlyMap<number, number>): boolean {
  return [...counts.values()].some((n) => n > 0);
}
