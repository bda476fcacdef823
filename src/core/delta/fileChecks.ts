import type { CatalogDataFile, CatalogTable, SnapshotChange } from '../ducklake/catalogReader';
import type { ExportProblem } from './report';
import type { ColumnNode } from './schema';
import { schemaHazards } from './schemaHistory';
import type { CatalogContext } from './tableState';

/** File-level reasons a table cannot be exported: format, encryption, renamed columns, schema changes. */
export async function checkFiles(
  ctx: CatalogContext,
  table: CatalogTable,
  files: readonly CatalogDataFile[],
  columns: readonly ColumnNode[],
  history: Parameters<typeof schemaHazards>[0],
): Promise<ExportProblem | undefined> {
  const foreign = files.find((f) => f.format.toLowerCase() !== 'parquet');
  if (foreign)
    return {
      code: 'file-format',
      message: `data file ${foreign.path} is ${foreign.format}, not Parquet`,
      hint: 'Delta tables reference Parquet files only.',
    };
  const encrypted = files.find((f) => f.encrypted);
  if (encrypted)
    return {
      code: 'encrypted',
      message: `data file ${encrypted.path} is encrypted`,
      hint: 'Export from an unencrypted DuckLake.',
    };

  const mappingIds = [...new Set(files.map((f) => f.mappingId).filter((id): id is number => id !== null))];
  if (mappingIds.length) {
    const mappings = await ctx.reader.nameMappings(mappingIds);
    for (const [id, names] of mappings) {
      const renamed = columns.find((c) => names.has(c.columnId) && names.get(c.columnId) !== c.name);
      if (renamed) {
        return {
          code: 'name-mapping',
          message: `files added with ducklake_add_data_files (mapping ${id}) store column ${renamed.name} as '${names.get(renamed.columnId)}'`,
          hint: 'Delta reads columns by name; rewrite the table (CREATE OR REPLACE TABLE ... AS SELECT) so the files use the table column names.',
        };
      }
    }
  }

  const hazards = schemaHazards(history, columns, table.beginSnapshot);
  if (hazards.length === 0 || files.length === 0) return undefined;
  // A file is safe only if an INSERT wrote it after the last hazard: merges, rewrites and
  // flushes copy older files' physical layout even when they run later.
  const last = Math.max(...hazards.map((h) => h.snapshot));
  const created = await ctx.reader.creationSnapshots(files.map((f) => f.fileId));
  const changes = await ctx.reader.changes(last - 1, ctx.snapshot.id);
  const insertOnly = (snapshot: number) => {
    const kinds = changes
      .filter((c: SnapshotChange) => c.snapshotId === snapshot && c.tableId === table.tableId)
      .map((c) => c.kind);
    return kinds.length > 0 && kinds.every((k) => k === 'inserted_into_table');
  };
  const unsafe = files.filter(
    (f) => !(f.beginSnapshot > last && created.get(f.fileId) === f.beginSnapshot && insertOnly(f.beginSnapshot)),
  );
  if (unsafe.length === 0) return undefined;
  return {
    code: 'schema-evolution',
    message: `${hazards.map((h) => `column ${h.column} ${h.message}`).join('; ')}; ${unsafe.length} live file(s) still hold the old layout, which Delta readers would read wrongly by name`,
    hint: `Rewrite the table so every file uses the current columns: CREATE OR REPLACE TABLE ${table.schemaName}.${table.name} AS SELECT * FROM ${table.schemaName}.${table.name}.`,
  };
}
