import { existsSync } from 'node:fs';
import { sessionOf, type DuckDBSource } from '../lake/lazySession';
import { CatalogReader, isVisibleAt, type CatalogTable } from '../ducklake/catalogReader';
import { checkFiles } from '../delta/fileChecks';
import { columnTreeAt } from '../delta/schema';
import { dataFileRelativePath, tableFolder } from '../delta/tableFolder';
import { readCatalogContext, type CatalogContext } from '../delta/tableState';
import type { ReadinessCode, ReadinessFinding, ReadinessReport } from './findings';
import type { FooterCache } from './footerCache';
import { formatCount } from './formatCount';
import { longestString, nanCount, readFooters } from './footers';
import { DEFAULT_ROW_GROUP_SIZE } from '../lake/layout';
import { DIRECT_LAKE_SKUS, MAX_STRING_CHARS, RECOMMENDED_ROW_GROUP_ROWS, type Sku } from './skus';
import { typeFindings } from './typeRules';

export interface ReadinessOptions {
  session: DuckDBSource;
  /** The local catalog file (`metadata.db`), attached read-only. */
  catalogPath: string;
  /** Local file of a path relative to the catalog's DATA_PATH (the mirror's, or a test lake's). */
  dataFile: (relativePath: string) => string;
  sku: Sku;
  /** Name the user attaches the catalog as, for SQL in fixes. */
  catalogName?: string;
  /** Footer summaries of files already read (a mirror's): only other files' footers are read. */
  footerCache?: FooterCache;
}

/**
 * Reads only catalog metadata (through core/ducklake's CatalogReader,
 * the one owner of catalog rules) and Parquet footers, and reports per live
 * table what Direct Lake will reject or read slowly. Reads column data only
 * for a string column whose footers cannot rule out a too-long value, and a
 * float column whose catalog stats do not record NaN.
 */
export async function checkReadiness(options: ReadinessOptions): Promise<ReadinessReport> {
  const { session, sku } = options;
  const reader = await CatalogReader.open(session, options.catalogPath);
  try {
    const ctx = await readCatalogContext(reader, { catalogName: options.catalogName });
    const snapshot = ctx.snapshot;
    const live = (await reader.tables()).filter((t) => isVisibleAt(t, snapshot.id));
    const findings: ReadinessFinding[] = [];
    for (const table of live) findings.push(...(await checkTable(options, ctx, table)));
    return {
      sku,
      snapshotId: snapshot.id,
      tables: live.map((t) => `${t.schemaName}.${t.name}`),
      findings,
    };
  } finally {
    await reader.close();
  }
}

async function checkTable(
  options: ReadinessOptions,
  ctx: CatalogContext,
  table: CatalogTable,
): Promise<ReadinessFinding[]> {
  const { sku } = options;
  const qualified = `${table.schemaName}.${table.name}`;
  const findings: ReadinessFinding[] = [];
  const add = (code: ReadinessCode, severity: 'error' | 'warning', message: string, fix: string) =>
    findings.push({ table: qualified, code, severity, message, fix });
  const lake = ctx.catalogName;
  const history = await ctx.reader.columns(table.tableId);
  const columns = columnTreeAt(history, ctx.snapshot.id);
  for (const f of typeFindings(columns, qualified)) findings.push({ table: qualified, ...f });

  const deletes = (ctx.deleteFiles.get(table.tableId) ?? 0) + (ctx.inlinedDeletes.get(table.tableId) ?? 0);
  if (deletes > 0) {
    add(
      'unflushed-deletes',
      'warning',
      `${deletes} delete file(s) or inlined delete batch(es) are not rewritten into the data files: the Delta export skips the table until they are, and deleted rows must not reach Fabric.`,
      `Publish with maintenance on (the default) or run CALL ducklake_flush_inlined_data('${lake}', schema_name => '${table.schemaName}', table_name => '${table.name}'); CALL ducklake_rewrite_data_files('${lake}', '${table.name}', schema => '${table.schemaName}', delete_threshold => 0).`,
    );
  }
  const inlined = ctx.inlinedRows.get(table.tableId) ?? 0;
  if (inlined > 0) {
    add(
      'inlined-data',
      'warning',
      `${inlined} row(s) live inside the catalog (data inlining), not in Parquet: Fabric cannot see them.`,
      `Publish with maintenance on (the default) or run CALL ducklake_flush_inlined_data('${lake}', schema_name => '${table.schemaName}', table_name => '${table.name}').`,
    );
  }

  const files = await ctx.reader.dataFiles(table.tableId, ctx.snapshot.id);
  const problem = await checkFiles(ctx, table, files, columns, history);
  if (problem) add('needs-rewrite', 'error', `${problem.message} (${problem.code}).`, problem.hint ?? '');

  const limits = DIRECT_LAKE_SKUS[sku];
  if (files.length > limits.maxFilesPerTable) {
    add(
      'too-many-files',
      'error',
      `${files.length} Parquet files; Direct Lake on ${sku} allows ${limits.maxFilesPerTable} per table.`,
      `Compact: CALL ducklake_merge_adjacent_files('${lake}', '${table.name}', schema => '${table.schemaName}'), or rewrite with fewer partitions (CREATE OR REPLACE TABLE ${qualified} AS SELECT * FROM ${qualified}); or choose a larger SKU.`,
    );
  }

  let folder: string | undefined;
  let paths: (string | undefined)[];
  try {
    folder = tableFolder(table, ctx.dataPath);
    paths = folder === undefined ? [] : files.map((f) => dataFileRelativePath(f, folder!, ctx.dataPath));
  } catch (error) {
    // A catalog path that would leave its folder: the Delta export refuses the table too (unsafe-path).
    add(
      'unsafe-path',
      'error',
      `${error instanceof Error ? error.message : String(error)}; the Delta export skips this table.`,
      'Inspect the catalog: a data file or table path points outside the table folder.',
    );
    return findings;
  }
  const local = paths.filter((p): p is string => p !== undefined).map((p) => options.dataFile(folder + p));
  const present = local.filter((p) => existsSync(p));
  if (present.length < files.length) {
    add(
      'files-missing',
      'warning',
      `${files.length - present.length} of ${files.length} data file(s) are not in the local mirror, so their footers were not checked.`,
      'Pull the lakehouse again, then re-run the check.',
    );
  }
  if (present.length === 0) return findings;

  // Footers are read in JS; DuckDB opens only if a column's values must be read (long strings, NaN).
  const footers = await readFooters(present, options.footerCache);
  if (footers.rowGroups > limits.maxRowGroupsPerTable) {
    add(
      'too-many-row-groups',
      'error',
      `${footers.rowGroups} Parquet row groups; Direct Lake on ${sku} allows ${limits.maxRowGroupsPerTable} per table.`,
      `Write bigger row groups and fewer files: CALL ${lake}.set_option('parquet_row_group_size', '${RECOMMENDED_ROW_GROUP_ROWS.min * 2}', schema => '${table.schemaName}', table_name => '${table.name}'), then CREATE OR REPLACE TABLE ${qualified} AS SELECT * FROM ${qualified}; or choose a larger SKU.`,
    );
  }
  const average = footers.rowGroups === 0 ? 0 : footers.rows / footers.rowGroups;
  if (footers.rowGroups > 1 && average < RECOMMENDED_ROW_GROUP_ROWS.min) {
    add(
      'small-row-groups',
      'warning',
      `${footers.rowGroups} row groups of ${formatCount(average)} rows on average (DuckLake writes 122,880 by default); Direct Lake reads ${formatCount(RECOMMENDED_ROW_GROUP_ROWS.min)}–${formatCount(RECOMMENDED_ROW_GROUP_ROWS.max)}-row groups about 3.5× faster on cold queries.`,
      `If a model builds it: config(lakehouse_layout={'row_group_size': ${DEFAULT_ROW_GROUP_SIZE}, 'sorted_by': ['<the column reports filter on>']}) and run it again (lakehouse.yml layout: rowGroupSize sets every table's default). Otherwise: CALL ${lake}.set_option('parquet_row_group_size', '${DEFAULT_ROW_GROUP_SIZE}', schema => '${table.schemaName}', table_name => '${table.name}'), then rewrite sorted: CREATE OR REPLACE TABLE ${qualified} AS SELECT * FROM ${qualified} ORDER BY <the column reports filter on>.`,
    );
  }

  await valueFindings(options, ctx, table, files, present, footers.maxChunkBytes, columns, add);
  return findings;
}

/** Long strings and NaN: catalog stats first, footers to rule out, data only when neither can say. */
async function valueFindings(
  options: ReadinessOptions,
  ctx: CatalogContext,
  table: CatalogTable,
  files: Awaited<ReturnType<CatalogReader['dataFiles']>>,
  present: string[],
  maxChunkBytes: Map<string, number>,
  columns: ReturnType<typeof columnTreeAt>,
  add: (code: ReadinessCode, severity: 'error' | 'warning', message: string, fix: string) => void,
): Promise<void> {
  const qualified = `${table.schemaName}.${table.name}`;
  const stats = await ctx.reader.fileStats(
    table.tableId,
    files.map((f) => f.fileId),
  );
  for (const column of columns) {
    const type = column.type.toLowerCase();
    const own = stats.filter((s) => s.columnId === column.columnId);
    if (type === 'varchar' || type === 'json') {
      // A value longer than every chunk that holds it cannot exist: a character is at least one byte.
      const statLength = Math.max(0, ...own.flatMap((s) => [s.min?.length ?? 0, s.max?.length ?? 0]));
      let longest = statLength;
      if (longest <= MAX_STRING_CHARS && (maxChunkBytes.get(column.name) ?? Infinity) > MAX_STRING_CHARS) {
        longest = await longestString(await sessionOf(options.session), present, column.name).catch(() => 0);
      }
      if (longest > MAX_STRING_CHARS) {
        add(
          'long-string',
          'error',
          `column ${column.name} holds a string of ${formatCount(longest)} characters; Direct Lake loads at most ${formatCount(MAX_STRING_CHARS)}.`,
          `Truncate or split it: CREATE OR REPLACE TABLE ${qualified} AS SELECT * REPLACE (left("${column.name}", ${MAX_STRING_CHARS}) AS "${column.name}") FROM ${qualified}; or keep the long text out of the table Fabric reads.`,
        );
      }
    } else if (type === 'float32' || type === 'float64') {
      const known = own.length === files.length && own.every((s) => s.containsNan !== null);
      const nan = known
        ? own.some((s) => s.containsNan === true)
        : (await nanCount(await sessionOf(options.session), present, column.name).catch(() => 0)) > 0;
      if (nan) {
        add(
          'nan-value',
          'error',
          `column ${column.name} contains NaN, which Direct Lake rejects.`,
          `Replace NaN with NULL: UPDATE ${qualified} SET "${column.name}" = NULL WHERE isnan("${column.name}").`,
        );
      }
    }
  }
}
