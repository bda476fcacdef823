import { type DuckDBSource } from '../lake/lazySession';
import type { ParsedCommit } from './actions';
import type { CatalogScheduledDeletion } from '../ducklake/catalogReader';
import { filesHash, metadataHash } from './fingerprint';
import { listLog, readCommit, replayLog, type LogListing } from './logReader';
import type { DeltaLogStore } from './logStore';
import { encodeDeltaPath } from './paths';
import type { PreviousState } from './plan';
import type { ExportedTableState } from './report';
import { dataFileRelativePath, scheduledFileInFolder } from './tableFolder';
import type { CatalogContext, TableTarget } from './tableState';

export interface PreviousStateDeps {
  ctx: CatalogContext;
  store: DeltaLogStore;
  session: DuckDBSource;
  tempDirectory: string;
}

/** Works out what a table's Delta log holds now, reading as little of it as it can. */
export class PreviousStateReader {
  private scheduled: CatalogScheduledDeletion[] | undefined;

  constructor(private readonly deps: PreviousStateDeps) {}

  /**
   * The Delta table before this export, as cheaply as possible:
   * 1. with a hint: read the hinted commit (1 request) and trust it if its marker agrees;
   * 2. otherwise: list `_delta_log/` and read the latest commit (2 requests);
   * then, if that commit carries our marker, rebuild its file set from the
   * catalog at the marker's snapshot and accept it only if its hash matches;
   * failing that, replay the log from its last checkpoint.
   */
  async read(target: TableTarget, hint: ExportedTableState | undefined): Promise<PreviousState | undefined> {
    const { store } = this.deps;
    const folder = target.folder;
    if (hint) {
      const commit = await readCommit(store, folder, hint.version);
      if (
        commit?.marker &&
        commit.marker.snapshotId === hint.snapshotId &&
        commit.marker.filesHash === hint.filesHash
      ) {
        const fast = await this.fromMarker(hint.version, commit, target);
        if (fast) return fast;
      }
    }
    const listing = await listLog(store, folder);
    if (listing.latest === undefined) return undefined;
    const latest = listing.commits.has(listing.latest) ? await readCommit(store, folder, listing.latest) : undefined;
    if (latest) {
      const fast = await this.fromMarker(listing.latest, latest, target);
      if (fast) return fast;
    }
    return this.replay(folder, listing, latest);
  }

  private async fromMarker(
    version: number,
    commit: ParsedCommit,
    target: TableTarget,
  ): Promise<PreviousState | undefined> {
    const marker = commit.marker;
    if (!marker) return undefined;
    const folder = target.folder;
    const state = (candidate: Map<string, string>): PreviousState => ({
      version,
      files: candidate,
      metadataHash: marker.metadataHash,
      partitionColumns: marker.partitionColumns,
      marker,
    });
    // Same file set as now (the common "nothing changed" case): no catalog work needed.
    if (marker.filesHash === target.filesHash) {
      return state(new Map([...target.files.values()].map((f) => [f.relativePath, f.add.path])));
    }
    const { reader, dataPath } = this.deps.ctx;
    const then = await reader.snapshot(marker.snapshotId);
    if (!then) return undefined; // snapshot expired: the catalog cannot vouch any more
    // Only files added since (an insert): the live files that existed then are the old set.
    // No catalog query, so an incremental export costs what it adds; the fingerprint vouches.
    if (marker.tableId === target.table.tableId) {
      const kept = new Map<string, string>();
      for (const f of target.files.values())
        if (f.beginSnapshot <= marker.snapshotId && f.fileId < then.nextFileId) kept.set(f.relativePath, f.add.path);
      if (filesHash(kept.keys()) === marker.filesHash) return state(kept);
    }
    const files = new Map<string, string>();
    for (const file of await reader.dataFiles(marker.tableId, marker.snapshotId, then.nextFileId)) {
      let relative: string | undefined;
      try {
        relative = dataFileRelativePath(file, folder, dataPath);
      } catch {
        return undefined;
      }
      if (relative === undefined) return undefined;
      files.set(relative, encodeDeltaPath(relative));
    }
    if (filesHash(files.keys()) === marker.filesHash) return state(files);
    // Merged-away files leave the catalog but stay listed for deletion until cleanup.
    this.scheduled ??= await reader.scheduledDeletions();
    for (const file of this.scheduled) {
      if (file.fileId >= then.nextFileId) continue;
      const relative = scheduledFileInFolder(file, folder, dataPath);
      if (relative !== undefined) files.set(relative, encodeDeltaPath(relative));
    }
    return filesHash(files.keys()) === marker.filesHash ? state(files) : undefined;
  }

  private async replay(folder: string, listing: LogListing, latest: ParsedCommit | undefined): Promise<PreviousState> {
    const already = new Map<number, ParsedCommit>();
    if (latest && listing.latest !== undefined) already.set(listing.latest, latest);
    const state = await replayLog(
      { store: this.deps.store, session: this.deps.session, tempDirectory: this.deps.tempDirectory },
      folder,
      listing,
      already,
    );
    return {
      version: state.version,
      files: state.files,
      metadataHash: state.metaData ? metadataHash(state.metaData) : undefined,
      partitionColumns: state.metaData?.partitionColumns,
      protocol: state.protocol,
      marker: state.latestCommit?.marker,
    };
  }
}
