import type { CatalogTable } from '../ducklake/catalogReader';
import { UnsafeCatalogPathError } from './errors';
import { isAbsolutePath, safeRelativeFolder, safeRelativeSegments, withTrailingSlash } from './paths';

/**
 * Where a DuckLake table's files live relative to the lakehouse Tables root
 * (the catalog DATA_PATH): `<schema path><table path>`, e.g. `main/orders/`.
 * Its `_delta_log/` goes there. Returns undefined when the table lives
 * outside DATA_PATH (an absolute path elsewhere), which Delta cannot express.
 */
export function tableFolder(table: CatalogTable, dataPath: string): string | undefined {
  const root = withTrailingSlash(dataPath);
  const what = `the folder of table ${table.schemaName}.${table.name}`;
  let combined: string;
  let absolute: boolean;
  if (!table.tablePathIsRelative) {
    combined = table.tablePath;
    absolute = true;
  } else {
    safeRelativeSegments(table.tablePath, what);
    combined = (table.schemaPath === '' ? '' : withTrailingSlash(table.schemaPath)) + table.tablePath;
    absolute = !table.schemaPathIsRelative;
  }
  if (absolute) {
    if (!isAbsolutePath(combined)) throw new UnsafeCatalogPathError(combined, 'is flagged absolute but is not', what);
    // Delta can only reference a table folder under the Tables root.
    if (!combined.startsWith(root)) return undefined;
    combined = combined.slice(root.length);
  }
  return safeRelativeFolder(combined, what);
}

/**
 * A data file's path relative to its table folder. Relative catalog paths
 * must stay inside the folder; an absolute path is accepted only when it
 * points inside the folder. Undefined when the file lives elsewhere.
 */
export function dataFileRelativePath(
  file: { path: string; pathIsRelative: boolean },
  folder: string,
  dataPath: string,
): string | undefined {
  if (file.pathIsRelative) {
    if (isAbsolutePath(file.path)) {
      throw new UnsafeCatalogPathError(file.path, 'is absolute', 'a relative data file path');
    }
    return safeRelativeSegments(file.path, 'data file path').join('/');
  }
  const prefix = withTrailingSlash(dataPath) + folder;
  if (!file.path.startsWith(prefix)) return undefined;
  return safeRelativeSegments(file.path.slice(prefix.length), 'data file path').join('/');
}

/**
 * A file in `ducklake_files_scheduled_for_deletion`: its path is relative to
 * DATA_PATH (`main/t/x.parquet`). Returns its path inside `folder`, or
 * undefined when it belongs elsewhere or is not a safe path.
 */
export function scheduledFileInFolder(
  file: { path: string; pathIsRelative: boolean },
  folder: string,
  dataPath: string,
): string | undefined {
  const full = file.pathIsRelative
    ? file.path
    : file.path.startsWith(withTrailingSlash(dataPath))
      ? file.path.slice(withTrailingSlash(dataPath).length)
      : undefined;
  if (full === undefined || !full.startsWith(folder)) return undefined;
  try {
    return safeRelativeSegments(full.slice(folder.length), 'scheduled file path').join('/');
  } catch {
    return undefined;
  }
}

/** The last folder segment: what Fabric shows as the table name. */
export function folderName(folder: string): string {
  const segments = folder.split('/').filter(Boolean);
  return segments[segments.length - 1] ?? '';
}
