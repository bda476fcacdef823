import { mkdtemp, rm } from 'node:fs/promises';
import { type DuckDBSource } from '../lake/lazySession';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentProgress, throwIfCancelled, type Progress } from '../util/progress';
import { CatalogReader, isVisibleAt, type CatalogTable } from '../ducklake/catalogReader';
import { DEFAULT_CHECKPOINT_INTERVAL } from './checkpoint';
import { dropDeltaTable, droppedTables } from './dropped';
import { CountingDeltaLogStore, diffCounts, type DeltaLogStore } from './logStore';
import { DROPPED_FILES_HASH, type DeltaExportReport, type ExportedTableState, type TableExportReport } from './report';
import { TableExporter } from './tableExporter';
import { buildTableTarget, readCatalogContext, type TableTarget } from './tableState';
import type { IcebergState, IcebergTableReport } from '../iceberg/report';

export interface ExportDeltaOptions {
  /** An open DuckDB session; the exporter attaches the catalog to it read-only and detaches it again. */
  session: DuckDBSource;
  /** Local path of the DuckLake catalog (`metadata.db`, SQLite; a DuckDB-file catalog works too). */
  catalogPath: string;
  /** Where the logs go: rooted at the lakehouse Tables/ folder (the catalog DATA_PATH). */
  store: DeltaLogStore;
  /** DATA_PATH to resolve absolute catalog paths against; the catalog's own value when omitted. */
  dataPath?: string;
  /** What the previous export reported per table folder (report.tables[].state); makes the read side cheap. */
  known?: Readonly<Record<string, ExportedTableState>>;
  /** Write a checkpoint at every version that is a multiple of this. */
  checkpointInterval?: number;
  /** Also write Iceberg v2 metadata beside each Delta log (docs/ICEBERG.md). */
  iceberg?: boolean;
  /** Export only the tables this accepts. */
  include?: (table: { schema: string; name: string }) => boolean;
  /** How the user attaches the catalog, for the SQL shown in hints (default `lake`). */
  catalogName?: string;
  tempDirectory?: string;
  now?: () => number;
  signal?: AbortSignal;
  progress?: Progress;
}

/**
 * Exports every live table of a DuckLake catalog as a Delta table whose
 * `_delta_log/` sits next to its Parquet files, from catalog metadata only.
 * One commit per changed table; see docs/DELTA.md for the rules.
 */
export async function exportDeltaLake(options: ExportDeltaOptions): Promise<DeltaExportReport> {
  const store = new CountingDeltaLogStore(options.store);
  const progress = options.progress ?? silentProgress;
  const reader = await CatalogReader.open(options.session, options.catalogPath);
  let tempDirectory: string | undefined;
  try {
    tempDirectory = await mkdtemp(join(options.tempDirectory ?? tmpdir(), 'delta-export-'));
    const ctx = await readCatalogContext(reader, { catalogName: options.catalogName, dataPath: options.dataPath });
    const snapshot = ctx.snapshot;
    const allTables = await reader.tables();
    const include = (t: CatalogTable) => options.include?.({ schema: t.schemaName, name: t.name }) ?? true;
    const live = allTables.filter((t) => isVisibleAt(t, snapshot.id) && include(t));

    const exporter = new TableExporter({
      ctx,
      store,
      session: options.session,
      tempDirectory,
      checkpointInterval: Math.max(1, options.checkpointInterval ?? DEFAULT_CHECKPOINT_INTERVAL),
      now: options.now ?? Date.now,
    });
    // Loaded only when asked for: its Avro writer is most of what an export would otherwise load.
    const icebergModule = options.iceberg ? await import('../iceberg') : undefined;
    const icebergTarget = icebergModule?.icebergTarget;
    const iceberg = icebergModule
      ? new icebergModule.IcebergTableExporter({
          store,
          dataPath: ctx.dataPath,
          snapshot,
          changes: (from) => reader.changes(from, snapshot.id),
          nextFileIdAt: async (id) => (await reader.snapshot(id))?.nextFileId,
          now: options.now ?? Date.now,
        })
      : undefined;
    /**
     * The Iceberg side of a table the Delta export followed incrementally: unchanged with it, an
     * append proven from the fingerprints (only the new files' manifest entries), or else the full
     * target as before.
     */
    const icebergAfterIncremental = async (
      table: CatalogTable,
      incremental: { report: TableExportReport; target: TableTarget },
      hint: IcebergState | undefined,
    ): Promise<IcebergTableReport | undefined> => {
      const { report, target } = incremental;
      if (report.status === 'unchanged' && hint && hint.filesHash === report.state?.filesHash)
        return unchangedIceberg(hint);
      if (report.removes === 0 && hint) {
        const appended = await iceberg!.exportAppend(icebergTarget!(target), hint);
        if (appended) return appended;
      }
      const built = await buildTableTarget(ctx, table);
      return built.ok ? iceberg!.export(icebergTarget!(built.target), hint) : undefined;
    };
    const tables: TableExportReport[] = [];
    for (const table of live) {
      throwIfCancelled(options.signal, 'Delta export');
      progress.report({
        message: `Delta: ${table.schemaName}.${table.name}`,
        increment: 100 / Math.max(1, live.length),
      });
      const before = store.snapshot();
      const untouched = await exporter.untouchedSince(table, options.known);
      // With Iceberg on, the shortcut holds only when the known state also has the table's Iceberg side.
      const icebergKnown = untouched?.state?.iceberg;
      if (untouched && (!iceberg || icebergKnown)) {
        if (iceberg && icebergKnown) untouched.iceberg = unchangedIceberg(icebergKnown);
        tables.push(untouched);
        continue;
      }
      const incremental = await exporter.exportIncremental(table, options.known);
      if (incremental) {
        const { report } = incremental;
        if (iceberg)
          report.iceberg = await icebergAfterIncremental(table, incremental, options.known?.[report.folder]?.iceberg);
        if (report.state && report.iceberg?.state) report.state = { ...report.state, iceberg: report.iceberg.state };
        report.requests = diffCounts(store.snapshot(), before);
        tables.push(report);
        continue;
      }
      const built = await buildTableTarget(ctx, table);
      const report = await exporter.export(table, options.known, built);
      report.requests = diffCounts(store.snapshot(), before);
      if (iceberg && built.ok) {
        report.iceberg = await iceberg.export(
          icebergTarget!(built.target),
          options.known?.[built.target.folder]?.iceberg,
        );
        if (report.state && report.iceberg.state) report.state = { ...report.state, iceberg: report.iceberg.state };
      }
      tables.push(report);
    }
    const dropped = [];
    for (const gone of droppedTables(allTables, ctx, include)) {
      throwIfCancelled(options.signal, 'Delta export');
      const hint = options.known?.[gone.folder];
      const icebergHint = hint?.iceberg?.filesHash === DROPPED_FILES_HASH ? hint.iceberg : undefined;
      const icebergReport = !iceberg
        ? undefined
        : icebergHint
          ? {
              status: 'unchanged' as const,
              version: icebergHint.version,
              adds: 0,
              removes: 0,
              schemaChanged: false,
              requests: { reads: 0, lists: 0, writes: 0, total: 0 },
              state: icebergHint,
            }
          : await iceberg.drop(gone.folder, `${gone.schema}.${gone.name}`);
      const withIceberg = icebergReport ? { iceberg: icebergReport } : {};
      if (hint?.filesHash === DROPPED_FILES_HASH) {
        dropped.push({ ...gone, delta: 'already-empty' as const, version: hint.version, ...withIceberg });
        continue;
      }
      const replay = { store, session: options.session, tempDirectory };
      dropped.push({ ...gone, ...(await dropDeltaTable(replay, gone, options.now ?? Date.now)), ...withIceberg });
    }
    return {
      snapshotId: snapshot.id,
      tables,
      dropped,
      requests: store.snapshot(),
    };
  } finally {
    await reader.close();
    if (tempDirectory) await rm(tempDirectory, { recursive: true, force: true });
  }
}

/** The Iceberg side of a table whose Iceberg metadata still matches (no request made). */
function unchangedIceberg(state: IcebergState): IcebergTableReport {
  return {
    status: 'unchanged',
    version: state.version,
    adds: 0,
    removes: 0,
    schemaChanged: false,
    requests: { reads: 0, lists: 0, writes: 0, total: 0 },
    state,
  };
}
