import { UnsafeCatalogPathError } from '../ducklake/errors';
import { refuseUnsafeCatalogPath } from '../ducklake/paths';
import type { CatalogFileRow, CatalogReader } from '../ducklake/catalogReader';

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

/**
 * The data and delete files of the catalog's latest snapshot, or of every
 * snapshot (optionally only some tables), read through the one catalog reader:
 * no data access needed. Every path is checked not to escape the data folder.
 */
export async function listLiveFiles(
  catalog: CatalogReader,
  tables?: ReadonlyArray<{ schema: string; table: string }>,
  scope: 'live' | 'all' = 'live',
): Promise<CatalogFile[]> {
  const wanted = tables ? new Set(tables.map((x) => `${x.schema}.${x.table}`)) : undefined;
  return (await catalog.fileRows(scope))
    .filter((r) => !wanted || wanted.has(`${r.schemaName}.${r.tableName}`))
    .map((r) => ({
      kind: r.kind,
      schema: r.schemaName,
      table: r.tableName,
      path: relativeDataPath(r),
      sizeBytes: r.sizeBytes,
    }));
}

function relativeDataPath(r: CatalogFileRow): string {
  if (!r.filePathIsRelative) throw new UnsafeCatalogPathError(r.filePath, 'is an absolute path outside the lakehouse');
  if (!r.tablePathIsRelative)
    throw new UnsafeCatalogPathError(`${r.tablePath}${r.filePath}`, 'is under an absolute table path');
  let joined = (r.tablePath ?? '') + r.filePath;
  if (r.schemaPathIsRelative) joined = (r.schemaPath ?? '') + joined;
  else throw new UnsafeCatalogPathError(`${r.schemaPath}${joined}`, 'is under an absolute schema path');
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
