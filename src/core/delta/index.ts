/** DuckLake snapshot -> Delta Lake log. See docs/DELTA.md. */
export { exportDeltaLake, type ExportDeltaOptions } from './exporter';
export { fsDeltaLogStore } from './fsLogStore';
export { CountingDeltaLogStore, type DeltaLogStore, type StoreRequestCounts } from './logStore';
export {
  knownStates,
  type DeltaExportReport,
  type DroppedTableReport,
  type ExportedTableState,
  type ExportProblem,
  type SkipCode,
  type TableExportReport,
} from './report';
export { CatalogFormatError, DeltaLogError, UnsafeCatalogPathError } from './errors';
export { DEFAULT_CHECKPOINT_INTERVAL } from './checkpoint';
