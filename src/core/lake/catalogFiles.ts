import { LakehouseError } from '../errors';
import { DuckDBSession, quoteLiteral } from './duckdb';

/** A live Parquet file of the catalog, as a path relative to the catalog's data_path. */
export interface CatalogDataFile {
  schema: string;
  table: string;
  /** Relative to data_path, '/'-separated, checked not to escape it. */
  path: string;
  sizeBytes: number;
}

export class UnsafeCatalogPathError extends LakehouseError {
  constructor(path: string, why: string) {
    super(
      'catalog-path-unsafe',
      `The catalog references '${path}', which ${why}; refusing to map it to a local file.`,
      'Files added with absolute paths (ducklake_add_data_files) cannot be mirrored: rewrite them into the lakehouse with ducklake_rewrite_data_files.',
    );
  }
}

/**
 * Lists the data files of the current snapshot (optionally only some tables),
 * read straight from the SQLite catalog so it needs no data access.
 */
export async function listLiveDataFiles(
  session: DuckDBSession,
  catalogFile: string,
  tables?: ReadonlyArray<{ schema: string; table: string }>,
): Promise<CatalogDataFile[]> {
  await session.loadExtensions(['sqlite_scanner']);
  const db = quoteLiteral(catalogFile);
  const rows = await session.all<{
    schema_name: string;
    table_name: string;
    schema_path: string | null;
    schema_rel: boolean | null;
    table_path: string | null;
    table_rel: boolean | null;
    file_path: string;
    file_rel: boolean | null;
    size: bigint | number;
  }>(`
    WITH cur AS (SELECT max(snapshot_id) AS s FROM sqlite_scan(${db}, 'ducklake_snapshot'))
    SELECT s.schema_name, t.table_name, s.path AS schema_path, s.path_is_relative AS schema_rel,
           t.path AS table_path, t.path_is_relative AS table_rel,
           f.path AS file_path, f.path_is_relative AS file_rel, f.file_size_bytes AS size
    FROM sqlite_scan(${db}, 'ducklake_data_file') f
    JOIN sqlite_scan(${db}, 'ducklake_table') t ON t.table_id = f.table_id
    JOIN sqlite_scan(${db}, 'ducklake_schema') s ON s.schema_id = t.schema_id, cur
    WHERE f.begin_snapshot <= cur.s AND (f.end_snapshot IS NULL OR cur.s < f.end_snapshot)
      AND t.begin_snapshot <= cur.s AND (t.end_snapshot IS NULL OR cur.s < t.end_snapshot)
      AND s.begin_snapshot <= cur.s AND (s.end_snapshot IS NULL OR cur.s < s.end_snapshot)
    ORDER BY 1, 2, 7`);
  const wanted = tables ? new Set(tables.map((t) => `${t.schema}.${t.table}`)) : undefined;
  return rows
    .filter((r) => !wanted || wanted.has(`${r.schema_name}.${r.table_name}`))
    .map((r) => ({
      schema: r.schema_name,
      table: r.table_name,
      path: relativeDataPath(r),
      sizeBytes: Number(r.size),
    }));
}

function relativeDataPath(r: {
  schema_path: string | null;
  schema_rel: boolean | null;
  table_path: string | null;
  table_rel: boolean | null;
  file_path: string;
  file_rel: boolean | null;
}): string {
  if (r.file_rel === false) throw new UnsafeCatalogPathError(r.file_path, 'is an absolute path outside the lakehouse');
  let joined = r.file_path;
  if (r.table_rel !== false) {
    joined = (r.table_path ?? '') + joined;
    if (r.schema_rel !== false) joined = (r.schema_path ?? '') + joined;
  } else {
    throw new UnsafeCatalogPathError(`${r.table_path}${r.file_path}`, 'is under an absolute table path');
  }
  return safeRelativePath(joined);
}

/** Normalizes a catalog-relative path and refuses `..`, absolute paths, drive letters and URLs. */
export function safeRelativePath(path: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) throw new UnsafeCatalogPathError(path, 'is a URL, not a relative path');
  if (path.startsWith('/') || path.startsWith('\\') || /^[a-z]:/i.test(path))
    throw new UnsafeCatalogPathError(path, 'is absolute');
  if (path.includes('\0')) throw new UnsafeCatalogPathError(path, 'contains a NUL byte');
  const parts: string[] = [];
  for (const part of path.split(/[\\/]/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new UnsafeCatalogPathError(path, 'leaves the data folder');
    parts.push(part);
  }
  if (parts.length === 0) throw new UnsafeCatalogPathError(path, 'is empty');
  return parts.join('/');
}
