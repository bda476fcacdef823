import { createHash, randomInt } from 'node:crypto';
import type { SnapshotChange } from '../ducklake/catalogReader';
import type { CountingDeltaLogStore } from '../delta/logStore';
import { COMPACTION_CHANGES } from '../delta/plan';
import { diffCounts } from '../delta/logStore';
import { filesHash, filesHashUpdate } from '../delta/fingerprint';
import type { ColumnNode } from '../delta/schema';
import { ENTRY_STATUS, type ManifestEntry, type ManifestFile } from './avroSchemas';
import { dataFileRecord, type IcebergSourceFile } from './dataFiles';
import { METADATA_DIR, metadataFileName, metadataVersion, tableLocation, VERSION_HINT } from './layout';
import { readAvro, writeManifest, writeManifestList, type TableFiles } from './manifests';
import type { IcebergState, IcebergTableReport } from './report';
import { nameMapping, toIcebergSchema, type IcebergField } from './schema';
import {
  nextMetadata,
  parseMetadata,
  PROP_FILES_HASH,
  PROP_METADATA_HASH,
  PROP_RECORDS,
  PROP_SNAPSHOT,
  PROP_TABLE_ID,
  PROP_WRITER,
  WRITER,
  type IcebergSchemaJson,
  type IcebergTableMetadata,
} from './tableMetadata';

/** A DuckLake table at one snapshot, as the Iceberg export needs it (from the Delta export's target). */
export interface IcebergTarget {
  tableId: number;
  qualifiedName: string;
  folder: string;
  tableUuid: string;
  columns: readonly ColumnNode[];
  files: ReadonlyMap<string, IcebergSourceFile>;
  filesHash: string;
  numRecords: number;
  /** The table's file count (`files` lists only the new ones on an append from the Delta incremental path). */
  numFiles: number;
  /**
   * Set when `files` lists only files added since the state the previous metadata records (the
   * Delta export's incremental path, nothing removed): the commit is then an append proven from
   * the fingerprints alone, or not made (exportAppend answers undefined).
   */
  appendOnly?: boolean;
  /** Reads the column stats of these files (by relative path) before their manifest entries are built. */
  loadStats(relativePaths: Iterable<string>): Promise<void>;
}

export interface IcebergExporterDeps {
  store: CountingDeltaLogStore;
  dataPath: string;
  snapshot: { id: number; timeMs: number };
  /** The catalog's next_file_id at a snapshot (undefined when the snapshot is gone). */
  nextFileIdAt: (snapshotId: number) => Promise<number | undefined>;
  /** DuckLake changes in (from, current snapshot]. */
  changes: (fromSnapshot: number) => Promise<readonly SnapshotChange[]>;
  now: () => number;
}

/** Stands for "emptied because the DuckLake table was dropped"; no real hash equals it. */
export const DROPPED_HASH = 'dropped';

/** Above this many manifests a commit merges them into one, so reads stay a few requests. */
export const MAX_MANIFESTS = 32;

interface Previous {
  version: number;
  metadata: IcebergTableMetadata;
  file: string;
  hint: string | undefined;
}

/** Iceberg v2 metadata over a table's DuckLake Parquet files: one put-if-absent metadata version per change. */
export class IcebergTableExporter {
  constructor(private readonly deps: IcebergExporterDeps) {}

  async export(target: IcebergTarget, hint: IcebergState | undefined): Promise<IcebergTableReport> {
    const before = this.deps.store.snapshot();
    const report = await this.exportTable(target, hint);
    report.requests = diffCounts(this.deps.store.snapshot(), before);
    return report;
  }

  /**
   * An append of `target.files` (only the new files, `appendOnly`) on top of metadata that records
   * exactly the table without them; undefined when the previous metadata does not prove that (the
   * caller then exports the full target).
   */
  async exportAppend(target: IcebergTarget, hint: IcebergState | undefined): Promise<IcebergTableReport | undefined> {
    const before = this.deps.store.snapshot();
    try {
      const report = await this.exportTable({ ...target, appendOnly: true }, hint);
      report.requests = diffCounts(this.deps.store.snapshot(), before);
      return report;
    } catch (error) {
      if (error instanceof NotProvenAppend) return undefined;
      throw error;
    }
  }

  private async exportTable(target: IcebergTarget, hint: IcebergState | undefined): Promise<IcebergTableReport> {
    const base: IcebergTableReport = {
      status: 'unchanged',
      adds: 0,
      removes: 0,
      schemaChanged: false,
      requests: { reads: 0, lists: 0, writes: 0, total: 0 },
    };
    const schema = toIcebergSchema(target.columns);
    if (schema.problems.length) {
      return {
        ...base,
        status: 'skipped',
        skipped: {
          code: 'unsupported-schema',
          message: `${target.qualifiedName}: ${schema.problems.map((p) => `${p.column}: ${p.message}`).join('; ')}`,
          hint: 'Cast these columns (CREATE OR REPLACE TABLE ... AS SELECT) to export Iceberg metadata; the Delta export is not affected.',
        },
      };
    }
    const location = tableLocation(this.deps.dataPath, target.folder);
    const metadataHash = sha256(JSON.stringify({ location, fields: schema.fields }));
    const state = (version: number): IcebergState => ({ version, filesHash: target.filesHash, metadataHash });
    if (hint && hint.filesHash === target.filesHash && hint.metadataHash === metadataHash)
      return { ...base, version: hint.version, state: hint };

    for (let attempt = 0; attempt < 2; attempt++) {
      const previous = await this.readLatest(target.folder);
      if (previous === 'foreign') {
        return {
          ...base,
          status: 'skipped',
          skipped: {
            code: 'unsupported-metadata',
            message: `${target.qualifiedName}: ${target.folder}${METADATA_DIR} holds Iceberg metadata this exporter did not write`,
            hint: 'Another tool (or Fabric) writes Iceberg metadata for this table; move that folder aside to let the export own it.',
          },
        };
      }
      const props = previous?.metadata.properties;
      // Many writers export at once in team mode: metadata already written from a newer snapshot of the
      // catalog is left as it is, never walked back to the older state this export read (as for Delta).
      const exportedAt = Number(props?.[PROP_SNAPSHOT]);
      if (previous && Number.isSafeInteger(exportedAt) && exportedAt > this.deps.snapshot.id) {
        return {
          ...base,
          version: previous.version,
          state: {
            version: previous.version,
            filesHash: String(props?.[PROP_FILES_HASH] ?? ''),
            metadataHash: String(props?.[PROP_METADATA_HASH] ?? ''),
          },
        };
      }
      if (previous && props?.[PROP_FILES_HASH] === target.filesHash && props?.[PROP_METADATA_HASH] === metadataHash) {
        await this.repairHint(target.folder, previous);
        return { ...base, version: previous.version, state: state(previous.version) };
      }
      const outcome = await this.commit(target, previous, schema.fields, schema.lastColumnId, location, metadataHash);
      if (outcome === 'exists') continue;
      return { ...base, ...outcome, state: state(outcome.version) };
    }
    return {
      ...base,
      status: 'skipped',
      skipped: {
        code: 'conflict',
        message: `${target.qualifiedName}: another writer committed Iceberg metadata to ${target.folder}${METADATA_DIR} twice while this export planned`,
        hint: 'Run the export again once the other publish has finished.',
      },
    };
  }

  /**
   * A table dropped in DuckLake: one final `delete` snapshot with no files, so
   * Iceberg readers see an empty table rather than the dropped rows (as the
   * Delta export does). Nothing when the folder has no Iceberg metadata of ours.
   */
  async drop(folder: string, qualifiedName: string): Promise<IcebergTableReport> {
    const before = this.deps.store.snapshot();
    const base: IcebergTableReport = {
      status: 'unchanged',
      adds: 0,
      removes: 0,
      schemaChanged: false,
      requests: { reads: 0, lists: 0, writes: 0, total: 0 },
    };
    const done = (report: IcebergTableReport) => ({
      ...report,
      requests: diffCounts(this.deps.store.snapshot(), before),
    });
    for (let attempt = 0; attempt < 2; attempt++) {
      const previous = await this.readLatest(folder);
      if (!previous || previous === 'foreign') return done(base);
      const props = previous.metadata.properties;
      const state = { version: previous.version, filesHash: DROPPED_HASH, metadataHash: DROPPED_HASH };
      if (props[PROP_FILES_HASH] === DROPPED_HASH) return done({ ...base, version: previous.version, state });
      const current = previous.metadata.schemas.find((x) => x['schema-id'] === previous.metadata['current-schema-id']);
      const fields = current?.fields ?? [];
      const target: IcebergTarget = {
        tableId: Number(props[PROP_TABLE_ID] ?? -1),
        qualifiedName,
        folder,
        tableUuid: previous.metadata['table-uuid'],
        columns: [],
        files: new Map(),
        filesHash: DROPPED_HASH,
        numRecords: 0,
        numFiles: 0,
        loadStats: () => Promise.resolve(), // an emptied table adds no file
      };
      const outcome = await this.commit(
        target,
        previous,
        fields,
        previous.metadata['last-column-id'],
        previous.metadata.location,
        DROPPED_HASH,
      );
      if (outcome === 'exists') continue;
      return done({ ...base, ...outcome, state: { ...state, version: outcome.version } });
    }
    return done({
      ...base,
      status: 'skipped',
      skipped: {
        code: 'conflict',
        message: `${qualifiedName}: another writer kept committing Iceberg metadata to ${folder}${METADATA_DIR}`,
        hint: 'Run the export again once the other publish has finished.',
      },
    });
  }

  /** The newest `v<N>.metadata.json` (one list, one read); 'foreign' when it is not ours. */
  private async readLatest(folder: string): Promise<Previous | 'foreign' | undefined> {
    const names = await this.deps.store.list(folder + METADATA_DIR);
    let version = 0;
    for (const name of names) version = Math.max(version, metadataVersion(name) ?? 0);
    if (version === 0) return names.some((n) => n.endsWith('.metadata.json')) ? 'foreign' : undefined;
    const bytes = await this.deps.store.read(folder + METADATA_DIR + metadataFileName(version));
    if (!bytes) return undefined;
    const metadata = parseMetadata(new TextDecoder().decode(bytes));
    if (!metadata) return 'foreign';
    const hintBytes = names.includes(VERSION_HINT)
      ? await this.deps.store.read(folder + METADATA_DIR + VERSION_HINT)
      : undefined;
    return {
      version,
      metadata,
      file: `${metadata.location}/${METADATA_DIR}${metadataFileName(version)}`,
      hint: hintBytes && new TextDecoder().decode(hintBytes).trim(),
    };
  }

  /** A run killed between the metadata and its hint left the hint behind: point it at the newest version. */
  private async repairHint(folder: string, previous: Previous): Promise<void> {
    if (previous.hint !== String(previous.version))
      await this.deps.store.put(
        folder + METADATA_DIR + VERSION_HINT,
        new TextEncoder().encode(String(previous.version)),
      );
  }

  /**
   * The previous file set without reading a manifest, when the catalog proves
   * it: the table's files now whose ids were allocated before the exported
   * snapshot's next_file_id, accepted only if their fingerprint equals the
   * one the previous version recorded. Then nothing was removed, every other
   * file is new, and the previous manifests are kept as they are (one read:
   * the manifest list).
   */
  private async provenPrevious(
    table: TableFiles,
    previous: Previous | undefined,
    target: IcebergTarget,
  ): Promise<{ files: Set<string>; live: { manifest: ManifestFile; entries: ManifestEntry[] }[] } | undefined> {
    const meta = previous?.metadata;
    if (!meta || meta['current-snapshot-id'] === -1) return undefined;
    const props = meta.properties;
    const since = Number(props[PROP_SNAPSHOT]);
    if (props[PROP_TABLE_ID] !== String(target.tableId) || !Number.isSafeInteger(since)) return undefined;
    if (target.appendOnly) {
      // The previous set is the table minus the new files: the set fingerprint says so without a list.
      const without = filesHashUpdate(target.filesHash, [], target.files.keys());
      if (without !== props[PROP_FILES_HASH] || !Number.isFinite(previousTotalSize(meta))) return undefined;
      const snapshot = meta.snapshots.find((s) => s['snapshot-id'] === meta['current-snapshot-id']);
      const manifests = snapshot && (await readAvro<ManifestFile>(this.deps.store, table, snapshot['manifest-list']));
      if (!manifests || manifests.length >= MAX_MANIFESTS) return undefined;
      return { files: new Set(), live: manifests.map((manifest) => ({ manifest, entries: [] })) };
    }
    const next = await this.deps.nextFileIdAt(since);
    if (next === undefined) return undefined;
    const older = [...target.files.values()].filter((f) => f.fileId < next).map((f) => f.relativePath);
    if (filesHash(older) !== props[PROP_FILES_HASH]) return undefined;
    const snapshot = meta.snapshots.find((s) => s['snapshot-id'] === meta['current-snapshot-id']);
    const manifests = snapshot && (await readAvro<ManifestFile>(this.deps.store, table, snapshot['manifest-list']));
    if (!manifests || manifests.length >= MAX_MANIFESTS) return undefined;
    return { files: new Set(older), live: manifests.map((manifest) => ({ manifest, entries: [] })) };
  }

  /** The live manifest entries of the previous snapshot, per manifest. */
  private async liveManifests(
    table: TableFiles,
    previous: Previous | undefined,
  ): Promise<{ manifest: ManifestFile; entries: ManifestEntry[] }[] | undefined> {
    if (!previous || previous.metadata['current-snapshot-id'] === -1) return [];
    const snapshot = previous.metadata.snapshots.find(
      (s) => s['snapshot-id'] === previous.metadata['current-snapshot-id'],
    );
    if (!snapshot) return undefined;
    const manifests = await readAvro<ManifestFile>(this.deps.store, table, snapshot['manifest-list']);
    if (!manifests) return undefined;
    const out = [];
    for (const manifest of manifests) {
      const entries = await readAvro<ManifestEntry>(this.deps.store, table, manifest.manifest_path);
      if (!entries) return undefined;
      out.push({ manifest, entries: entries.filter((e) => e.status !== ENTRY_STATUS.deleted) });
    }
    return out;
  }

  private async commit(
    target: IcebergTarget,
    previousOrNone: Previous | undefined,
    fields: IcebergField[],
    lastColumnId: number,
    location: string,
    metadataHash: string,
  ): Promise<
    | 'exists'
    | (Pick<IcebergTableReport, 'status' | 'operation' | 'snapshotId' | 'adds' | 'removes' | 'schemaChanged'> & {
        version: number;
      })
  > {
    const table: TableFiles = { folder: target.folder, location };
    let previous = previousOrNone;
    // An append proven from the catalog needs only the manifest list; anything else reads the manifests.
    const proven = await this.provenPrevious(table, previous, target);
    let live = proven?.live;
    let present = proven?.files;
    // Only the new files are at hand: without proof, comparing them with the manifests would remove the rest.
    if (target.appendOnly && !proven) throw new NotProvenAppend();
    if (!live || !present) {
      live = await this.liveManifests(table, previous);
      // Metadata whose manifests are gone (deleted by hand) cannot be continued: start the history again.
      if (!live) {
        previous = undefined;
        live = [];
      }
      present = new Set<string>();
      for (const m of live) for (const e of m.entries) present.add(relativeTo(location, e.data_file.file_path));
    }
    const prevMeta = previous?.metadata;
    const version = (previous?.version ?? 0) + 1;
    const now = this.deps.now();
    const sequence = (prevMeta?.['last-sequence-number'] ?? 0) + 1;
    const snapshotId = newSnapshotId(prevMeta);
    const parentId = prevMeta && prevMeta['current-snapshot-id'] !== -1 ? prevMeta['current-snapshot-id'] : undefined;

    const relative = (path: string) => relativeTo(location, path);
    const added = [...target.files.values()].filter((f) => !present.has(f.relativePath));
    const removedPaths = new Set([...present].filter((p) => !target.files.has(p)));

    const schemaJson = (id: number): IcebergSchemaJson => ({ type: 'struct', 'schema-id': id, fields });
    const properties = {
      [PROP_WRITER]: WRITER,
      [PROP_SNAPSHOT]: String(this.deps.snapshot.id),
      [PROP_TABLE_ID]: String(target.tableId),
      [PROP_FILES_HASH]: target.filesHash,
      [PROP_METADATA_HASH]: metadataHash,
      [PROP_RECORDS]: String(target.numRecords),
      'schema.name-mapping.default': JSON.stringify(nameMapping(fields)),
    };
    const filesChanged = !previous || added.length > 0 || removedPaths.size > 0;
    // The schema id the new metadata will carry, for the manifests' own header.
    const metadataBase = {
      previous: prevMeta,
      previousFile: previous?.file,
      tableUuid: target.tableUuid,
      location,
      fields,
      lastColumnId,
      properties,
      now,
    };
    const draft = nextMetadata(metadataBase);
    const schemaChanged = !prevMeta || draft['current-schema-id'] !== prevMeta['current-schema-id'];

    let metadata = draft;
    let operation: IcebergTableReport['operation'];
    if (filesChanged) {
      const schema = schemaJson(draft['current-schema-id']);
      const manifests: ManifestFile[] = [];
      const removedEntries: ManifestEntry[] = [];
      const rewrite: ManifestEntry[] = [];
      for (const m of live) {
        const touched = m.entries.some((e) => removedPaths.has(relative(e.data_file.file_path)));
        if (!touched && live.length < MAX_MANIFESTS) {
          manifests.push(m.manifest);
          continue;
        }
        for (const e of m.entries) {
          const gone = removedPaths.has(relative(e.data_file.file_path));
          // Existing entries keep the snapshot and sequence numbers they were added with.
          const kept = {
            ...e,
            sequence_number: e.sequence_number ?? m.manifest.sequence_number,
            file_sequence_number: e.file_sequence_number ?? m.manifest.sequence_number,
          };
          if (gone) removedEntries.push({ ...kept, status: ENTRY_STATUS.deleted, snapshot_id: snapshotId });
          else rewrite.push({ ...kept, status: ENTRY_STATUS.existing });
        }
      }
      // Stats only for the files this snapshot adds: kept entries carry theirs in the manifests already.
      await target.loadStats(added.map((f) => f.relativePath));
      const addedEntries = added.map((f): ManifestEntry => ({
        status: ENTRY_STATUS.added,
        snapshot_id: snapshotId,
        sequence_number: sequence,
        file_sequence_number: sequence,
        data_file: dataFileRecord(location, f, fields, target.columns),
      }));
      if (addedEntries.length)
        manifests.unshift(await writeManifest(this.deps.store, table, addedEntries, schema, snapshotId, sequence));
      if (rewrite.length || removedEntries.length)
        manifests.push(
          await writeManifest(this.deps.store, table, [...rewrite, ...removedEntries], schema, snapshotId, sequence),
        );
      const manifestList = await writeManifestList(this.deps.store, table, manifests, snapshotId, parentId, sequence);

      const addedRecords = added.reduce((sum, f) => sum + f.recordCount, 0);
      const removedRecords = removedEntries.reduce((sum, e) => sum + e.data_file.record_count, 0);
      operation = await this.operation(previous, target, added.length, removedPaths.size, addedRecords, removedRecords);
      const listedSize = [...target.files.values()].reduce((sum, f) => sum + f.sizeBytes, 0);
      const totalSize = target.appendOnly ? previousTotalSize(prevMeta) + listedSize : listedSize;
      metadata = nextMetadata({
        ...metadataBase,
        snapshot: {
          'snapshot-id': snapshotId,
          ...(parentId === undefined ? {} : { 'parent-snapshot-id': parentId }),
          'sequence-number': sequence,
          'timestamp-ms': now,
          'manifest-list': manifestList,
          summary: {
            operation,
            'added-data-files': String(added.length),
            'deleted-data-files': String(removedPaths.size),
            'added-records': String(addedRecords),
            'deleted-records': String(removedRecords),
            'added-files-size': String(added.reduce((sum, f) => sum + f.sizeBytes, 0)),
            'removed-files-size': String(removedEntries.reduce((sum, e) => sum + e.data_file.file_size_in_bytes, 0)),
            'total-records': String(target.numRecords),
            'total-data-files': String(target.numFiles),
            'total-files-size': String(totalSize),
            'total-delete-files': '0',
            'total-position-deletes': '0',
            'total-equality-deletes': '0',
            [PROP_SNAPSHOT]: String(this.deps.snapshot.id),
          },
        },
      });
    }

    const body = new TextEncoder().encode(JSON.stringify(metadata, null, 1));
    const path = target.folder + METADATA_DIR + metadataFileName(version);
    // The commit point: the version exists completely or not at all; the hint only follows it.
    if ((await this.deps.store.putIfAbsent(path, body)) === 'exists') return 'exists';
    await this.deps.store.put(target.folder + METADATA_DIR + VERSION_HINT, new TextEncoder().encode(String(version)));
    return {
      status: version === 1 ? 'created' : 'updated',
      version,
      operation,
      snapshotId: filesChanged ? snapshotId : undefined,
      adds: added.length,
      removes: removedPaths.size,
      schemaChanged,
    };
  }

  /**
   * Iceberg's snapshot operation. `replace` (no data change, skipped by
   * incremental readers) only under the Delta export's compaction rule: files
   * both added and removed, the same record count, and every DuckLake change
   * to the table since the last export a compaction.
   */
  private async operation(
    previous: Previous | undefined,
    target: IcebergTarget,
    adds: number,
    removes: number,
    addedRecords: number,
    removedRecords: number,
  ): Promise<NonNullable<IcebergTableReport['operation']>> {
    if (removes === 0) return 'append';
    if (adds === 0) return 'delete';
    const since = Number(previous?.metadata.properties[PROP_SNAPSHOT]);
    const sameTable = previous?.metadata.properties[PROP_TABLE_ID] === String(target.tableId);
    if (sameTable && Number.isSafeInteger(since) && addedRecords === removedRecords) {
      const own = (await this.deps.changes(since)).filter((c) => c.tableId === target.tableId);
      if (own.length > 0 && own.every((c) => COMPACTION_CHANGES.has(c.kind))) return 'replace';
    }
    return 'overwrite';
  }
}

/** A positive snapshot id below 2^53 (exact in JSON parsers), unused in this table. */
function newSnapshotId(previous: IcebergTableMetadata | undefined): number {
  const used = new Set(previous?.snapshots.map((s) => s['snapshot-id']));
  for (;;) {
    const id = randomInt(1, 2 ** 47) * 64 + randomInt(0, 64);
    if (!used.has(id)) return id;
  }
}

function relativeTo(location: string, path: string): string {
  const prefix = `${location}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The append path could not prove the previous metadata is the table without the new files. */
class NotProvenAppend extends Error {}

/** `total-files-size` of the current snapshot's summary (NaN when absent). */
function previousTotalSize(meta: IcebergTableMetadata | undefined): number {
  const current = meta?.snapshots.find((s) => s['snapshot-id'] === meta['current-snapshot-id']);
  const value = current?.summary['total-files-size'];
  return value === undefined ? NaN : Number(value);
}
