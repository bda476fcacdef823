import { UnsafeCatalogPathError } from '../ducklake/errors';
import { refuseUnsafeCatalogPath } from '../ducklake/paths';
import type { CatalogTables } from './catalogFormat';
import type { DuckDBSession } from './duckdb';

/** A live Parquet file (data or delete file) of the catalog, as a path relative to the catalog's data_path. */
export interface CatalogFile {
  kind: 'data' | 'delete';
  schema: string;
  table: string;
  /** Relative to data_path, '/'-separated, checked not to escape it. */
  path: string;
  sizeBytes: number;
}

// The one path error for catalog contents (core/ducklake); re-exported for existing callers.
export { UnsafeCatalogPathError };

type FileRow = {
  kind: 'data' | 'delete';
  schema_name: string;
  table_name: string;
  schema_path: string | null;
  schema_rel: boolean | number | bigint | null;
  table_path: string | null;
  table_rel: boolean | number | bigint | null;
  file_path: string;
  file_rel: boolean | number | bigint | null;
  size: bigint | number;
};

/**
 * The data and delete files of the catalog's latest snapshot, or of every
 * snapshot (optionally only some tables), read from the catalog's own tables:
 * no data access needed.
 */
export async function listLiveFiles(
  catalog: CatalogTables,
  session: DuckDBSession,
  tables?: ReadonlyArray<{ schema: string; table: string }>,
  scope: 'live' | 'all' = 'live',
): Promise<CatalogFile[]> {
  const t = (name: string) => catalog.table(name);
  // 'all' covers every snapshot, so time travel on the remote finds the files too.
  const live = (alias: string) =>
    scope === 'all'
      ? 'true'
      : `${alias}.begin_snapshot <= cur.s AND (${alias}.end_snapshot IS NULL OR cur.s < ${alias}.end_snapshot)`;
  const rows = await session.all<FileRow>(`
    WITH cur AS (SELECT max(snapshot_id) AS s FROM ${t('ducklake_snapshot')}),
    files AS (
      SELECT 'data' AS kind, table_id, path, path_is_relative, file_size_bytes, begin_snapshot, end_snapshot FROM ${t('ducklake_data_file')}
      UNION ALL
      SELECT 'delete' AS kind, table_id, path, path_is_relative, file_size_bytes, begin_snapshot, end_snapshot FROM ${t('ducklake_delete_file')}
    )
    SELECT f.kind, s.schema_name, tb.table_name, s.path AS schema_path, s.path_is_relative AS schema_rel,
           tb.path AS table_path, tb.path_is_relative AS table_rel,
           f.path AS file_path, f.path_is_relative AS file_rel, f.file_size_bytes AS size
    FROM files f
    JOIN ${t('ducklake_table')} tb ON tb.table_id = f.table_id
    JOIN ${t('ducklake_schema')} s ON s.schema_id = tb.schema_id, cur
    WHERE ${live('f')} AND ${live('tb')} AND ${live('s')}
    ORDER BY 2, 3, 8`);
  const wanted = tables ? new Set(tables.map((x) => `${x.schema}.${x.table}`)) : undefined;
  return rows
    .filter((r) => !wanted || wanted.has(`${r.schema_name}.${r.table_name}`))
    .map((r) => ({
      kind: r.kind,
      schema: r.schema_name,
      table: r.table_name,
      path: relativeDataPath(r),
      sizeBytes: Number(r.size),
    }));
}

// SQLite catalogs hand booleans back as integers (0n/1n through DuckDB).
const isFalse = (v: boolean | number | bigint | null) => v !== null && v !== undefined && !v;

function relativeDataPath(r: FileRow): string {
  if (isFalse(r.file_rel)) throw new UnsafeCatalogPathError(r.file_path, 'is an absolute path outside the lakehouse');
  if (isFalse(r.table_rel))
    throw new UnsafeCatalogPathError(`${r.table_path}${r.file_path}`, 'is under an absolute table path');
  let joined = (r.table_path ?? '') + r.file_path;
  if (!isFalse(r.schema_rel)) joined = (r.schema_path ?? '') + joined;
  else throw new UnsafeCatalogPathError(`${r.schema_path}${joined}`, 'is under an absolute schema path');
  return safeRelativePath(joined);
}

/** Normalizes a catalog-relative path; the one policy (core/ducklake) refuses URLs, absolute paths, backslashes; `..` leaves. */
export function safeRelativePath(path: string): string {
  refuseUnsafeCatalogPath(path);
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new UnsafeCatalogPathError(path, 'leaves the data folder');
    parts.push(part);
  }
  if (parts.length === 0) throw new UnsafeCatalogPathError(path, 'is empty');
  return parts.join('/');
}
