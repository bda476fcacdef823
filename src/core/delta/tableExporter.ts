import { type DuckDBSource } from '../lake/lazySession';
import { PROTOCOL, serializeCommit, type ProtocolAction } from './actions';
import type { CatalogTable } from '../ducklake/catalogReader';
import { writeCheckpoint } from './checkpoint';
import { DeltaLogError } from './errors';
import type { DeltaLogStore } from './logStore';
import { commitFileName, DELTA_LOG_DIR } from './paths';
import { planCommit, type PreviousState } from './plan';
import { PreviousStateReader } from './previousState';
import { STATE_FORMAT, type ExportedTableState, type ExportProblem, type TableExportReport } from './report';
import { tableFolder } from './tableFolder';
import { buildIncrementalTarget, NAME_ONLY_CHANGES, type SnapshotChanges } from './incrementalTarget';
import { buildTableTarget, type CatalogContext, type TableTarget, type TargetResult } from './tableState';

export interface TableExporterDeps {
  ctx: CatalogContext;
  store: DeltaLogStore;
  session: DuckDBSource;
  tempDirectory: string;
  checkpointInterval: number;
  now: () => number;
}

/** The per-table steps: target from the catalog, previous state from the log, one put-if-absent commit. */
export class TableExporter {
  private readonly previous: PreviousStateReader;
  private readonly changesCache = new Map<number, Promise<SnapshotChanges>>();

  constructor(private readonly deps: TableExporterDeps) {
    this.previous = new PreviousStateReader(deps);
  }

  async export(
    table: CatalogTable,
    known: Readonly<Record<string, ExportedTableState>> | undefined,
    prebuilt?: TargetResult,
  ): Promise<TableExportReport> {
    // The exporter (exporter.ts) asks untouchedSince before building a target; a caller without one gets it here.
    if (!prebuilt) {
      const untouched = await this.untouchedSince(table, known);
      if (untouched) return untouched;
    }
    const built = prebuilt ?? (await buildTableTarget(this.deps.ctx, table));
    if (!built.ok) return this.skipped(table, built.folder, built.problem, built.warnings);
    const target = built.target;
    const base = this.baseReport(table, target);

    // A hint that matches the catalog means nothing changed: no request at all.
    const hint = known?.[target.folder];
    if (hint && hint.filesHash === target.filesHash && hint.metadataHash === target.metadataHash) {
      return { ...base, status: 'unchanged', version: hint.version, state: hint };
    }

    let useHint = hint;
    for (let attempt = 0; attempt < 2; attempt++) {
      let previous: PreviousState | undefined;
      try {
        previous = await this.previous.read(target, useHint);
      } catch (error) {
        if (error instanceof DeltaLogError) {
          return this.skipped(
            table,
            target.folder,
            { code: 'unsupported-log', message: error.message, hint: error.hint ?? '' },
            target.warnings,
          );
        }
        throw error;
      }
      useHint = undefined;
      const tooNew = previous?.protocol && newerProtocol(previous.protocol);
      if (tooNew) {
        return this.skipped(
          table,
          target.folder,
          {
            code: 'unsupported-log',
            message: `${table.schemaName}.${table.name}: the existing Delta log needs ${tooNew}, newer than this exporter writes`,
            hint: 'Another tool upgraded this Delta table; move its _delta_log aside to let the exporter own it, or stop exporting this table.',
          },
          target.warnings,
        );
      }

      const markerSnapshot = previous?.marker?.snapshotId;
      // Many writers export at once in team mode: a log already written from a newer snapshot of this
      // table is left as it is, never walked back to the older state this export read.
      if (previous && markerSnapshot !== undefined && markerSnapshot > this.deps.ctx.snapshot.id) {
        return {
          ...base,
          status: 'unchanged',
          version: previous.version,
          state: this.state(previous.version, markerSnapshot, target),
        };
      }
      const plan = planCommit(previous, target, {
        snapshotId: this.deps.ctx.snapshot.id,
        snapshotTimeMs: this.deps.ctx.snapshot.timeMs,
        changes:
          markerSnapshot === undefined
            ? []
            : await this.deps.ctx.reader.changes(markerSnapshot, this.deps.ctx.snapshot.id),
        now: this.deps.now(),
      });
      if (!plan) {
        // planCommit always plans version 0 when there is no log, so `previous` is set here.
        const version = previous!.version;
        return {
          ...base,
          status: 'unchanged',
          version,
          state: this.state(version, previous!.marker?.snapshotId ?? this.deps.ctx.snapshot.id, target),
        };
      }

      await target.fillStats(plan.actions.flatMap((a) => ('add' in a ? [a.add] : [])));
      const path = target.folder + DELTA_LOG_DIR + commitFileName(plan.version);
      const outcome = await this.deps.store.putIfAbsent(path, new TextEncoder().encode(serializeCommit(plan.actions)));
      if (outcome === 'exists') continue; // another exporter won this version: re-read and plan again

      let checkpoint: number | undefined;
      if (plan.version > 0 && plan.version % this.deps.checkpointInterval === 0) {
        const adds = [...target.files.values()].map((f) => f.add);
        await target.fillStats(adds);
        const result = await writeCheckpoint(
          { session: this.deps.session, store: this.deps.store, tempDirectory: this.deps.tempDirectory },
          target.folder,
          plan.version,
          { protocol: PROTOCOL, metaData: target.metaData, adds },
        );
        checkpoint = result.version;
      }
      return {
        ...base,
        status: plan.version === 0 ? 'created' : 'updated',
        version: plan.version,
        adds: plan.adds,
        removes: plan.removes,
        metadataChanged: plan.metadataChanged,
        dataChange: plan.dataChange,
        checkpoint,
        state: this.state(plan.version, this.deps.ctx.snapshot.id, target),
      };
    }
    return this.skipped(
      table,
      target.folder,
      {
        code: 'conflict',
        message: `${table.schemaName}.${table.name}: another writer committed to ${target.folder}_delta_log twice while this export planned its commit`,
        hint: 'Run the export again once the other publish has finished.',
      },
      target.warnings,
    );
  }

  private state(version: number, snapshotId: number, target: TableTarget): ExportedTableState {
    const { snapshot } = this.deps.ctx;
    return {
      version,
      snapshotId,
      filesHash: target.filesHash,
      metadataHash: target.metadataHash,
      format: STATE_FORMAT,
      tableId: target.table.tableId,
      // Only known for the snapshot this export read; an older one leaves the next export the full path.
      ...(snapshotId === snapshot.id ? { nextFileId: snapshot.nextFileId } : {}),
    };
  }

  /** Every snapshot's changes in (after, now], read once per export and shared by the tables. */
  private changesSince(after: number): Promise<SnapshotChanges> {
    let since = this.changesCache.get(after);
    if (!since)
      this.changesCache.set(after, (since = this.deps.ctx.reader.changesSince(after, this.deps.ctx.snapshot.id)));
    return since;
  }

  /**
   * The commit of a table changed since the known state, from only the files added or ended since
   * (incrementalTarget.ts): what a publish's export costs grows with the change, not the table.
   * Undefined when that path cannot vouch for the result (the caller takes the full path), including
   * when the next version is a checkpoint's, which lists every file anyway, or another writer took it.
   */
  async exportIncremental(
    table: CatalogTable,
    known: Readonly<Record<string, ExportedTableState>> | undefined,
  ): Promise<{ report: TableExportReport; target: TableTarget } | undefined> {
    if (!known) return undefined;
    let folder: string | undefined;
    try {
      folder = tableFolder(table, this.deps.ctx.dataPath);
    } catch {
      return undefined;
    }
    const hint = folder === undefined ? undefined : known[folder];
    if (!hint || (hint.version + 1) % this.deps.checkpointInterval === 0) return undefined;
    const incremental = await buildIncrementalTarget(this.deps.ctx, this.deps.store, table, hint, (after) =>
      this.changesSince(after),
    );
    if (!incremental) return undefined;
    const { target, previous } = incremental;
    const base = this.baseReport(table, target);
    const { snapshot } = this.deps.ctx;
    const plan = planCommit(previous, target, {
      snapshotId: snapshot.id,
      snapshotTimeMs: snapshot.timeMs,
      changes: (await this.changesSince(hint.snapshotId)).changes,
      now: this.deps.now(),
    });
    // Files came and went again since: the log still equals the table, as the known state says.
    if (!plan)
      return {
        report: { ...base, status: 'unchanged', version: hint.version, incremental: true, state: hint },
        target,
      };
    await target.fillStats(plan.actions.flatMap((a) => ('add' in a ? [a.add] : [])));
    const path = target.folder + DELTA_LOG_DIR + commitFileName(plan.version);
    const outcome = await this.deps.store.putIfAbsent(path, new TextEncoder().encode(serializeCommit(plan.actions)));
    if (outcome === 'exists') return undefined; // another writer went first: the full path re-reads the log
    const report: TableExportReport = {
      ...base,
      status: 'updated',
      version: plan.version,
      adds: plan.adds,
      removes: plan.removes,
      metadataChanged: plan.metadataChanged,
      dataChange: plan.dataChange,
      incremental: true,
      state: this.state(plan.version, snapshot.id, target),
    };
    return { report, target };
  }

  /**
   * An unchanged table without reading it: the previous report's state for its
   * folder is of this format, the table already existed at that state's
   * snapshot, and no snapshot since changed it (every snapshot's changes are
   * still in the catalog, none names this table, and none is an unattributed
   * kind). Then the Delta table still equals the DuckLake table and the export
   * of a lakehouse costs what changed in it, not its size.
   */
  /**
   * A table no snapshot touched since the known state: reported unchanged without reading its
   * files, columns or stats, so a publish's export costs what changed, not the lakehouse's size.
   */
  async untouchedSince(
    table: CatalogTable,
    known: Readonly<Record<string, ExportedTableState>> | undefined,
  ): Promise<TableExportReport | undefined> {
    if (!known) return undefined;
    let folder: string | undefined;
    try {
      folder = tableFolder(table, this.deps.ctx.dataPath);
    } catch {
      return undefined; // an unsafe path is reported by the full build
    }
    const hint = folder === undefined ? undefined : known[folder];
    const now = this.deps.ctx.snapshot.id;
    if (!hint || hint.format !== STATE_FORMAT || table.beginSnapshot > hint.snapshotId || hint.snapshotId > now)
      return undefined;
    const { complete, changes } = await this.changesSince(hint.snapshotId);
    const touched = changes.some((c) =>
      c.tableId === undefined ? !NAME_ONLY_CHANGES.has(c.kind) : c.tableId === table.tableId,
    );
    if (!complete || touched) return undefined;
    return {
      schema: table.schemaName,
      name: table.name,
      folder: folder!,
      status: 'unchanged',
      version: hint.version,
      adds: 0,
      removes: 0,
      metadataChanged: false,
      warnings: [],
      requests: { reads: 0, lists: 0, writes: 0, total: 0 },
      state: hint,
    };
  }

  private baseReport(table: CatalogTable, target: TableTarget): TableExportReport {
    return {
      schema: table.schemaName,
      name: table.name,
      folder: target.folder,
      status: 'unchanged',
      adds: 0,
      removes: 0,
      metadataChanged: false,
      warnings: target.warnings,
      requests: { reads: 0, lists: 0, writes: 0, total: 0 },
    };
  }

  private skipped(table: CatalogTable, folder: string, problem: ExportProblem, warnings: string[]): TableExportReport {
    return {
      schema: table.schemaName,
      name: table.name,
      folder,
      status: 'skipped',
      adds: 0,
      removes: 0,
      metadataChanged: false,
      skipped: problem,
      warnings,
      requests: { reads: 0, lists: 0, writes: 0, total: 0 },
    };
  }
}

/** Describes a protocol above reader 1 / writer 2 (features we would have to honour), or undefined. */
function newerProtocol(protocol: ProtocolAction): string | undefined {
  if (
    protocol.minReaderVersion <= PROTOCOL.minReaderVersion &&
    protocol.minWriterVersion <= PROTOCOL.minWriterVersion
  ) {
    return undefined;
  }
  return `reader ${protocol.minReaderVersion} / writer ${protocol.minWriterVersion}`;
}
