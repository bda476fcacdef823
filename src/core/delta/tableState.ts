import { metaDataAction, type AddAction, type MetaDataAction } from './actions';
import type {
  CatalogColumnStats,
  CatalogDataFile,
  CatalogReader,
  CatalogSnapshot,
  CatalogTable,
} from '../ducklake/catalogReader';
import { UnsafeCatalogPathError } from './errors';
import { checkFiles } from './fileChecks';
import { deltaTableId, filesHash, metadataHash } from './fingerprint';
import { tableNameProblem } from './names';
import { mapPartitioning } from './partitions';
import { encodeDeltaPath } from './paths';
import type { ExportProblem } from './report';
import { columnTreeAt, schemaString, toDeltaSchema, type ColumnNode } from './schema';
import { statsWriter, type StatsWriter } from './stats';
import { dataFileRelativePath, folderName, tableFolder } from './tableFolder';

export interface TargetFile {
  /** Without `stats` until fillStats: only the files a commit or checkpoint writes need them. */
  add: AddAction;
  beginSnapshot: number;
  /** Path relative to the table folder, not encoded: the key Delta paths are compared on. */
  relativePath: string;
  recordCount: number;
  sizeBytes: number;
  /** DuckLake's data_file_id: ids only grow, so it tells files older than a snapshot apart. */
  fileId: number;
  /** DuckLake's column stats of the file (column id -> row); empty until fillStats or loadStats read them. */
  stats: Map<number, CatalogColumnStats>;
}

/** What the Delta table should contain to match the DuckLake table at one snapshot. */
export interface TableTarget {
  table: CatalogTable;
  folder: string;
  metaData: MetaDataAction;
  metadataHash: string;
  /** The column tree at the exported snapshot. */
  columns: ColumnNode[];
  /**
   * The files this target lists: every live file, or for an incremental target (incrementalTarget.ts)
   * only those added since the known state; numFiles, numRecords and filesHash are always the whole table's.
   */
  files: Map<string, TargetFile>;
  numFiles: number;
  numRecords: number;
  filesHash: string;
  warnings: string[];
  /**
   * Sets `stats` on these adds (this table's, by path) from the catalog's
   * column statistics: one query for just those files, so an incremental
   * export pays for the files it adds, not for every file of the table.
   */
  fillStats(adds: readonly AddAction[]): Promise<void>;
  /**
   * Reads the column statistics of these files (by relative path), or of every file: the Iceberg
   * commit asks for the files its new manifest lists.
   */
  loadStats(relativePaths?: Iterable<string>): Promise<void>;
}

export type TargetResult =
  { ok: true; target: TableTarget } | { ok: false; folder: string; problem: ExportProblem; warnings: string[] };

/** Per-export facts shared by every table (read once). */
export interface CatalogContext {
  reader: CatalogReader;
  snapshot: CatalogSnapshot;
  dataPath: string;
  catalogEncrypted: boolean;
  deleteFiles: ReadonlyMap<number, number>;
  inlinedRows: ReadonlyMap<number, number>;
  inlinedDeletes: ReadonlyMap<number, number>;
  /** Name the user attaches the catalog as, for the SQL in hints. */
  catalogName: string;
}

/** The catalog at its current snapshot, as the Delta export, the Iceberg export and the readiness check read it. */
export async function readCatalogContext(
  reader: CatalogReader,
  opts: { catalogName?: string; dataPath?: string } = {},
): Promise<CatalogContext> {
  const meta = await reader.metadata();
  const snapshot = await reader.currentSnapshot();
  return {
    reader,
    snapshot,
    dataPath: opts.dataPath ?? meta.dataPath,
    catalogEncrypted: meta.encrypted,
    deleteFiles: await reader.liveDeleteFiles(snapshot.id),
    inlinedRows: await reader.inlinedRows(snapshot.id),
    inlinedDeletes: await reader.inlinedDeletes(snapshot.id),
    catalogName: opts.catalogName ?? 'lake',
  };
}

/**
 * Derives the Delta state of one table from catalog metadata only (no
 * Parquet reads), or the reason it cannot be exported faithfully. With
 * `onlyFiles`, the target lists and checks just those files (an incremental
 * export's new ones) and the caller sets the whole table's totals.
 */
export async function buildTableTarget(
  ctx: CatalogContext,
  table: CatalogTable,
  onlyFiles?: readonly CatalogDataFile[],
): Promise<TargetResult> {
  const warnings: string[] = [];
  const qualified = `${table.schemaName}.${table.name}`;
  const sqlName = `'${ctx.catalogName}', schema_name => '${table.schemaName}', table_name => '${table.name}'`;
  let folder = `${table.schemaName}/${table.name}/`;
  const skip = (code: ExportProblem['code'], message: string, hint: string): TargetResult => ({
    ok: false,
    folder,
    problem: { code, message: `${qualified}: ${message}`, hint },
    warnings,
  });

  try {
    const resolved = tableFolder(table, ctx.dataPath);
    if (resolved === undefined) {
      return skip(
        'absolute-path',
        `the table folder lies outside the catalog DATA_PATH (${ctx.dataPath})`,
        'Recreate the table without a custom absolute path.',
      );
    }
    folder = resolved;
  } catch (error) {
    if (error instanceof UnsafeCatalogPathError) return skip('unsafe-path', error.message, error.hint ?? '');
    throw error;
  }

  // Fabric shows the folders as schema and table names.
  for (const segment of folder.split('/').filter(Boolean)) {
    const nameProblem = tableNameProblem(segment);
    if (nameProblem) {
      return skip(
        'invalid-name',
        `its folder name '${segment}' ${nameProblem}, which Fabric rejects`,
        'Create the table (or schema) under a name of letters, digits and underscores: DuckLake names the folder after it.',
      );
    }
  }
  const shownName = folderName(folder);
  if (shownName !== table.name)
    warnings.push(`Fabric will show this table as '${shownName}' (its DuckLake folder name), not '${table.name}'`);

  if (ctx.catalogEncrypted) {
    return skip(
      'encrypted',
      'the catalog encrypts its Parquet files, which Delta readers cannot decrypt',
      'Export from an unencrypted DuckLake.',
    );
  }
  const inlined = ctx.inlinedRows.get(table.tableId) ?? 0;
  if (inlined > 0) {
    return skip(
      'inlined-data',
      `${inlined} row(s) are still inlined in the catalog, not in Parquet files`,
      `Run CALL ducklake_flush_inlined_data(${sqlName}) first.`,
    );
  }
  const deletes = (ctx.deleteFiles.get(table.tableId) ?? 0) + (ctx.inlinedDeletes.get(table.tableId) ?? 0);
  if (deletes > 0) {
    return skip(
      'delete-files',
      `${deletes} live delete file(s)/inlined delete(s); exporting now would bring deleted rows back`,
      `Run CALL ducklake_flush_inlined_data(${sqlName}); then CALL ducklake_rewrite_data_files('${ctx.catalogName}', '${table.name}', schema => '${table.schemaName}', delete_threshold => 0); or publish with maintenance.`,
    );
  }

  const history = await ctx.reader.columns(table.tableId);
  const columns = columnTreeAt(history, ctx.snapshot.id);
  const mapped = toDeltaSchema(columns);
  warnings.push(...mapped.warnings.map((w) => `${w.column}: ${w.message}`));
  if (mapped.problems.length) {
    return skip(
      'unsupported-schema',
      mapped.problems.map((p) => (p.column ? `${p.column}: ${p.message}` : p.message)).join('; '),
      'Change these columns (CREATE OR REPLACE TABLE ... AS SELECT with casts or new names) and export again.',
    );
  }

  const files = onlyFiles ?? (await ctx.reader.dataFiles(table.tableId, ctx.snapshot.id));
  const fileProblem = await checkFiles(ctx, table, files, columns, history);
  if (fileProblem) return skip(fileProblem.code, fileProblem.message, fileProblem.hint);

  const fileIds = files.map((f) => f.fileId);
  const spec = await ctx.reader.partitionSpec(table.tableId, ctx.snapshot.id);
  const partitioning = mapPartitioning(
    spec,
    columns,
    files,
    spec ? await ctx.reader.filePartitionValues(table.tableId, fileIds) : new Map(),
  );
  warnings.push(...partitioning.warnings);

  const partitionColumns = new Set(partitioning.columns);
  const statsRead = new Set<number>();
  const targetFiles = new Map<string, TargetFile>();
  let numRecords = 0;
  for (const file of files) {
    let relativePath: string | undefined;
    try {
      relativePath = dataFileRelativePath(file, folder, ctx.dataPath);
    } catch (error) {
      if (error instanceof UnsafeCatalogPathError) return skip('unsafe-path', error.message, error.hint ?? '');
      throw error;
    }
    if (relativePath === undefined) {
      return skip(
        'absolute-path',
        `data file ${file.path} lies outside the table folder, and a Delta table can only reference files inside its folder`,
        'Rewrite the table so DuckLake writes its own files (CREATE OR REPLACE TABLE ... AS SELECT * FROM ...).',
      );
    }
    numRecords += file.recordCount;
    targetFiles.set(relativePath, {
      relativePath,
      beginSnapshot: file.beginSnapshot,
      recordCount: file.recordCount,
      sizeBytes: file.sizeBytes,
      fileId: file.fileId,
      stats: new Map(),
      add: {
        path: encodeDeltaPath(relativePath),
        partitionValues: partitioning.values.get(file.fileId) ?? {},
        size: file.sizeBytes,
        modificationTime: file.beginTimeMs ?? ctx.snapshot.timeMs,
        dataChange: true,
      },
    });
  }

  let writeStats: StatsWriter | undefined;
  const created = await ctx.reader.snapshot(table.beginSnapshot);
  const metaData = metaDataAction({
    id: deltaTableId(table, ctx.dataPath),
    schemaString: schemaString(mapped.schema),
    partitionColumns: partitioning.columns,
    createdTime: created?.timeMs ?? ctx.snapshot.timeMs,
  });
  return {
    ok: true,
    target: {
      table,
      folder,
      metaData,
      metadataHash: metadataHash(metaData),
      columns,
      files: targetFiles,
      numFiles: targetFiles.size,
      numRecords,
      filesHash: filesHash(targetFiles.keys()),
      warnings,
      fillStats: async (adds) => {
        const byPath = new Map<string, TargetFile>();
        for (const file of targetFiles.values()) byPath.set(file.add.path, file);
        const write = (writeStats ??= statsWriter(columns, partitionColumns));
        // Files whose stats rows were not read before are written as their rows stream in, and the rows
        // are not kept (loadStats keeps them, for the Iceberg side).
        const pending = new Map<number, { file: TargetFile; add: AddAction }>();
        for (const add of adds) {
          const file = byPath.get(add.path);
          if (add.stats !== undefined || !file) continue;
          if (statsRead.has(file.fileId)) add.stats = write(file);
          else pending.set(file.fileId, { file, add });
        }
        if (pending.size === 0) return;
        const scratch = { recordCount: 0, stats: new Map<number, CatalogColumnStats>() };
        // Only the columns the stats carry (not the partition columns', which their values give).
        await ctx.reader.eachFileStats(
          table.tableId,
          [...pending.keys()],
          (fileId, rows) => {
            const entry = pending.get(fileId);
            if (!entry) return;
            scratch.recordCount = entry.file.recordCount;
            scratch.stats.clear();
            for (const row of rows) scratch.stats.set(row.columnId, row);
            entry.add.stats = write(scratch);
          },
          write.columnIds,
        );
        // A file with no stats rows at all: its record count only.
        for (const { file, add } of pending.values()) add.stats ??= write(file);
      },
      loadStats: (relativePaths) =>
        readStats(
          ctx,
          table.tableId,
          relativePaths ? [...relativePaths].flatMap((p) => targetFiles.get(p) ?? []) : [...targetFiles.values()],
          statsRead,
        ),
    },
  };
}

/**
 * Column statistics of just these files (those not read before): an incremental export pays for the
 * files it adds, not for every file of the table.
 */
async function readStats(
  ctx: CatalogContext,
  tableId: number,
  files: readonly TargetFile[],
  read: Set<number>,
): Promise<void> {
  const wanted = files.filter((f) => !read.has(f.fileId));
  if (wanted.length === 0) return;
  const byId = new Map(wanted.map((f) => [f.fileId, f]));
  for (const row of await ctx.reader.fileStats(tableId, [...byId.keys()]))
    byId.get(row.fileId)?.stats.set(row.columnId, row);
  for (const id of byId.keys()) read.add(id);
}
