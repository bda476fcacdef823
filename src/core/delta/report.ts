import type { IcebergState, IcebergTableReport } from '../iceberg/report';
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
/** Stands for "emptied because the DuckLake table was dropped" in a known state; no real hash equals it. */
export const DROPPED_FILES_HASH = 'dropped';

export interface ExportedTableState {
  version: number;
  snapshotId: number;
  filesHash: string;
  metadataHash: string;
  /** What the Iceberg export (when on) last wrote for this folder. */
  iceberg?: IcebergState;
  /**
   * The exporter's output format when this state was written (STATE_FORMAT).
   * Only a state of the current format may skip an unchanged table without
   * rebuilding it: a newer exporter may write a different metaData.
   */
  format?: number;
  /**
   * The catalog's next_file_id at `snapshotId` and the DuckLake table id exported: the next export
   * reads only the table's files added or ended since (incrementalTarget.ts). Absent when unknown.
   */
  nextFileId?: number;
  tableId?: number;
}

/** Bump when the same catalog state would export to a different log (new metaData fields, stats rules). */
// 2: filesHash is a set hash (fingerprint.ts), which format 1's sorted-list hash never equals.
export const STATE_FORMAT = 2;

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
  /**
   * True when the commit was planned from only the files added or ended since the known state
   * (incrementalTarget.ts) instead of every live file of the table.
   */
  incremental?: boolean;
  /** Version of the checkpoint written with this commit. */
  checkpoint?: number;
  skipped?: ExportProblem;
  warnings: string[];
  /** Store requests this table cost. */
  requests: StoreRequestCounts;
  /** Keep and pass back as `known[folder]`. */
  state?: ExportedTableState;
  /** The Iceberg metadata written beside the Delta log (only with the Iceberg export on). */
  iceberg?: IcebergTableReport;
}

export interface DroppedTableReport {
  schema: string;
  name: string;
  folder: string;
  droppedAtSnapshot: number;
  /**
   * What happened to its Delta table: `emptied` by a final remove-all commit
   * (`version`), `already-empty`, `no-log` (never exported), or `conflict`
   * (another writer kept committing; the next export tries again), or
   * `unsupported-log` (unreadable or upgraded by another tool; left alone).
   */
  delta: 'emptied' | 'already-empty' | 'no-log' | 'conflict' | 'unsupported-log';
  version?: number;
  /** The Iceberg side (only with the Iceberg export on): a final empty `delete` snapshot. */
  iceberg?: IcebergTableReport;
}

export interface DeltaExportReport {
  snapshotId: number;
  tables: TableExportReport[];
  /** Tables dropped in DuckLake, and what their Delta tables became. */
  dropped: DroppedTableReport[];
  requests: StoreRequestCounts;
}

/** The `known` map for the next export, from this report. */
export function knownStates(report: DeltaExportReport): Record<string, ExportedTableState> {
  const known: Record<string, ExportedTableState> = {};
  for (const table of report.tables) if (table.state) known[table.folder] = table.state;
  // A dropped table's empty Delta table needs no more requests until its folder is used again.
  for (const gone of report.dropped) {
    if (
      (gone.delta === 'emptied' || gone.delta === 'already-empty') &&
      gone.version !== undefined &&
      !known[gone.folder]
    )
      known[gone.folder] = {
        version: gone.version,
        snapshotId: gone.droppedAtSnapshot,
        filesHash: DROPPED_FILES_HASH,
        metadataHash: DROPPED_FILES_HASH,
        ...(gone.iceberg?.state ? { iceberg: gone.iceberg.state } : {}),
      };
  }
  return known;
}
