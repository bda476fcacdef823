import { LakehouseError } from '../errors';

// One set of catalog errors for the whole product (core/ducklake); re-exported for the exporter's callers.
export { CatalogFormatError, UnsafeCatalogPathError } from '../ducklake/errors';

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
