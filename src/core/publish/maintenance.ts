import { attachTarget, type CatalogFormat } from '../lake/catalogFormat';
import { quoteLiteral, type DuckDBSession } from '../lake/duckdb';
import { applyLayoutOptions, type TableLayout } from '../lake/layout';

export interface MaintenanceOptions {
  /** Move rows DuckLake kept inline in the catalog into Parquet (Delta readers only see Parquet). */
  flushInlinedData: boolean;
  /** Rewrite files that have deletes, so no deleted row reappears through Delta. */
  rewriteDeletes: boolean;
  /** Merge adjacent small files. */
  mergeFiles: boolean;
}

export const DEFAULT_MAINTENANCE: MaintenanceOptions = {
  flushInlinedData: true,
  rewriteDeletes: true,
  mergeFiles: true,
};

/** DuckLake's own maintenance on the local catalog before it is published; new files land in the mirror. */
export async function runMaintenance(
  session: DuckDBSession,
  catalog: { file: string; format: CatalogFormat; dataRoot: string; layout?: TableLayout },
  options: MaintenanceOptions,
  signal?: AbortSignal,
): Promise<void> {
  if (!options.flushInlinedData && !options.rewriteDeletes && !options.mergeFiles) return;
  await session.loadExtensions(['ducklake', 'sqlite_scanner']);
  const alias = 'publish_lake';
  await session.run(
    `ATTACH ${quoteLiteral(attachTarget(catalog.format, catalog.file))} AS ${alias} (DATA_PATH ${quoteLiteral(catalog.dataRoot)}, OVERRIDE_DATA_PATH true)`,
  );
  try {
    // The lakehouse's layout first: the files flush, rewrite and merge write follow it (a table's
    // own options, set by its model, win over these).
    if (catalog.layout)
      await applyLayoutOptions(
        { run: (sql) => session.run(sql), rows: (sql) => session.all(sql) },
        alias,
        catalog.layout,
      );
    if (options.flushInlinedData) await session.run(`CALL ducklake_flush_inlined_data('${alias}')`, undefined, signal);
    // Threshold 0: every file with a delete is rewritten. DuckLake's default only rewrites files
    // that are mostly deleted, which would leave delete files Delta readers cannot see.
    if (options.rewriteDeletes)
      await session.run(`CALL ducklake_rewrite_data_files('${alias}', delete_threshold => 0)`, undefined, signal);
    if (options.mergeFiles) await session.run(`CALL ducklake_merge_adjacent_files('${alias}')`, undefined, signal);
  } finally {
    await session.run(`DETACH ${alias}`);
  }
}
