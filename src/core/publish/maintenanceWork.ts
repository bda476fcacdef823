import type { DuckDBSession } from '../lake/duckdb';
import { CatalogReader } from '../delta/catalogReader';
import { CatalogTables } from '../lake/catalogFormat';
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
  session: DuckDBSession,
  catalogFile: string,
  options: MaintenanceOptions,
  layout: TableLayout | undefined,
): Promise<string[]> {
  const tables = await CatalogTables.open(session, catalogFile);
  const reasons: string[] = [];
  try {
    const meta = await session.all<{ key: string; value: string; scope: string | null; scope_id: bigint | null }>(
      `SELECT key, value, scope, scope_id FROM ${tables.table('ducklake_metadata')}`,
    );
    const global = new Map(meta.filter((m) => !m.scope).map((m) => [m.key, String(m.value)]));
    if (layout?.rowGroupSize !== undefined && global.get('parquet_row_group_size') !== String(layout.rowGroupSize))
      reasons.push('layout: parquet_row_group_size');
    if (
      layout?.targetFileSize !== undefined &&
      global.get('target_file_size') !== String(sizeBytes(layout.targetFileSize))
    )
      reasons.push('layout: target_file_size');

    if (options.flushInlinedData || options.rewriteDeletes) {
      // Inlined rows and deletes (small deletes live in the catalog, not in delete files) are the
      // Delta exporter's reader's to find: the one owner of those catalog rules.
      const reader = await CatalogReader.attach(session, catalogFile);
      try {
        const snapshot = (await reader.currentSnapshot()).id;
        if (options.flushInlinedData && any(await reader.inlinedRows(snapshot))) reasons.push('inlined rows');
        if (options.rewriteDeletes) {
          if (any(await reader.liveDeleteFiles(snapshot))) reasons.push('delete files');
          if (any(await reader.inlinedDeletes(snapshot))) reasons.push('inlined deletes');
        }
      } finally {
        await reader.detach();
      }
    }
    if (options.mergeFiles) {
      const target = (scopeId?: bigint | null): number => {
        const own = meta.find((m) => m.scope === 'table' && m.scope_id === scopeId && m.key === 'target_file_size');
        const value = own?.value ?? global.get('target_file_size');
        return value === undefined ? DEFAULT_TARGET_BYTES : Number(value);
      };
      const perTable = meta.filter((m) => m.scope === 'table' && m.key === 'target_file_size');
      const limit = perTable.length
        ? `CASE table_id ${perTable.map((m) => `WHEN ${Number(m.scope_id)} THEN ${target(m.scope_id)}`).join(' ')} ELSE ${target(null)} END`
        : String(target(null));
      const small = await session.all<{ table_id: bigint }>(
        `SELECT table_id FROM ${tables.table('ducklake_data_file')} WHERE end_snapshot IS NULL AND file_size_bytes < ${limit}
         GROUP BY table_id HAVING count(*) >= 2 LIMIT 1`,
      );
      if (small.length > 0 || Number.isNaN(target(null))) reasons.push('small files to merge');
    }
  } catch (error) {
    // A catalog shaped in a way this does not know: let DuckLake's own maintenance decide.
    reasons.push(`unknown (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
  } finally {
    await tables.close();
  }
  return reasons;
}

/** Whether any table's count is above zero. */
function any(counts: ReadonlyMap<number, number>): boolean {
  return [...counts.values()].some((n) => n > 0);
}
