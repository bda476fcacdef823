import type { StoreRequestCounts } from './logStore';

/** Why a table was not exported. Stable strings: the CLI's JSON output and tests key on them. */
export type SkipCode =
  | 'delete-files'
  | 'inlined-data'
  | 'unsupported-schema'
  | 'schema-evolution'
  | 'invalid-name'
  | 'unsafe-path'
  | 'absolute-path'
  | 'encrypted'
  | 'file-format'
  | 'name-mapping'
  | 'unsupported-log'
  | 'conflict';

export interface ExportProblem {
  code: SkipCode;
  message: string;
  hint: string;
}

/**
 * What the exporter last wrote for a table. Returned per table; pass the map
 * back as `known` next time and an unchanged table costs no request, a
 * changed one two (read the known commit to confirm it, put the next one).
 */
export interface ExportedTableState {
  version: number;
  snapshotId: number;
  filesHash: string;
  metadataHash: string;
}

export interface TableExportReport {
  schema: string;
  name: string;
  /** The Delta table folder relative to the Tables root, e.g. `main/orders/`. */
  folder: string;
  status: 'created' | 'updated' | 'unchanged' | 'skipped';
  /** The version written, or the current version when unchanged. */
  version?: number;
  adds: number;
  removes: number;
  metadataChanged: boolean;
  /** False when the commit only rearranged files (compaction). */
  dataChange?: boolean;
  /** Version of the checkpoint written with this commit. */
  checkpoint?: number;
  skipped?: ExportProblem;
  warnings: string[];
  /** Store requests this table cost. */
  requests: StoreRequestCounts;
  /** Keep and pass back as `known[folder]`. */
  state?: ExportedTableState;
}

export interface DroppedTableReport {
  schema: string;
  name: string;
  folder: string;
  droppedAtSnapshot: number;
}

export interface DeltaExportReport {
  snapshotId: number;
  tables: TableExportReport[];
  /** Tables dropped in DuckLake whose Delta folder (if any) was left alone. */
  dropped: DroppedTableReport[];
  requests: StoreRequestCounts;
}

/** The `known` map for the next export, from this report. */
export function knownStates(report: DeltaExportReport): Record<string, ExportedTableState> {
  const known: Record<string, ExportedTableState> = {};
  for (const table of report.tables) if (table.state) known[table.folder] = table.state;
  return known;
}
