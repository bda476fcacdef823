import { LakehouseError } from '../errors';

/**
 * A catalog path that would point outside the folder it must live in
 * (absolute where a relative path is required, `..` segments, backslashes...).
 * Catalog contents are untrusted input: we never build a location from them
 * without this check.
 */
export class UnsafeCatalogPathError extends LakehouseError {
  constructor(
    readonly what: string,
    readonly path: string,
    reason: string,
  ) {
    super(
      'delta-unsafe-path',
      `The DuckLake catalog lists ${what} '${path}', which ${reason}.`,
      'Check the catalog for hand-edited or foreign paths; the Delta exporter only references files inside the table folder.',
    );
  }
}

/** The catalog file is not a DuckLake catalog this exporter understands. */
export class CatalogFormatError extends LakehouseError {
  constructor(message: string, hint?: string) {
    super('delta-catalog-format', message, hint);
  }
}

/** An existing `_delta_log` that cannot be read or continued safely. */
export class DeltaLogError extends LakehouseError {
  constructor(
    readonly folder: string,
    message: string,
    hint?: string,
  ) {
    super('delta-log', `${folder}_delta_log: ${message}`, hint);
  }
}
