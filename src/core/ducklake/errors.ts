import { LakehouseError } from '../errors';
import { showCatalogValue } from './catalogSafety';

/** The file is not a DuckLake catalog this build reads (not SQLite/DuckDB, no ducklake_metadata, another version). */
export class CatalogFormatError extends LakehouseError {
  constructor(message: string, hint?: string) {
    super('catalog-format', message, hint);
  }
}

/**
 * A path in a catalog that would point outside the folder it must live in
 * (absolute, `..`, a backslash, a URL…). Catalog contents are untrusted input:
 * no local file or remote object is ever addressed from them without the one
 * path policy (paths.ts) saying yes. `what` names the path when it helps
 * (`a data file path`); the mirror and pull leave it out.
 */
export class UnsafeCatalogPathError extends LakehouseError {
  constructor(
    readonly path: string,
    why: string,
    readonly what?: string,
  ) {
    super(
      'catalog-path-unsafe',
      `The catalog references ${what ? `${what} ` : ''}'${showCatalogValue(path)}', which ${why}; refusing to use it.`,
      'Catalog paths must stay inside the lakehouse data folder. Files added with absolute paths (ducklake_add_data_files) cannot be mirrored or exported: rewrite them into the lakehouse with ducklake_rewrite_data_files, and check the catalog for hand-edited or foreign paths.',
    );
  }
}
