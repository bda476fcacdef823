import { quoteIdentifier, quoteLiteral, type DuckDBSession } from '../lake/duckdb';
import { sessionOf, type DuckDBSource } from '../lake/lazySession';
import { DuckDBCatalogBackend, type CatalogBackend } from './catalogBackend';
import { refuseCatalogCode } from './catalogSafety';
import { CatalogFormatError } from './errors';
import { checkCatalogVersion, sniffCatalogFormat, type CatalogFormat } from './format';
import { redactSecrets } from '../config/credentials';
import { fileSignature, hasInterruptedWrite, recoverInterruptedWrite } from './interruptedWrite';
import { SqliteCatalogBackend, epochMsOfText } from './sqliteCatalog';
import { Mutex } from '../util/locks';

/**
 * The one reader of a DuckLake catalog file's own tables (spec 1.0), attached
 * read-only: pull, publish, orphans, the Delta exporter and the readiness check
 * all read catalog metadata through it, so one sniffer, one version policy and
 * one "read as data" check apply to every reader.
 *
 * Why not ATTACH 'ducklake:...' and ask the extension? We need history the
 * extension does not expose as tables (end_snapshot of files, column history,
 * scheduled deletions, inlined-data tables), the hidden `__ducklake_metadata_*`
 * database name has changed between releases (it broke the community
 * exporter), a broken or foreign catalog must be diagnosed before DuckLake
 * touches it, and a read-only attach of the metadata file cannot write to the
 * catalog or touch data files.
 *
 * Two backends run the same queries: a SQLite catalog (the usual metadata.db)
 * is read by SQLite compiled to WASM (sqliteCatalog.ts), so reading metadata
 * never loads DuckDB; a DuckDB-file catalog and a PostgreSQL catalog are
 * attached to a DuckDB session, opened only then when it is a lazy one.
 */
export interface CatalogSnapshot {
  id: number;
  timeMs: number;
  nextFileId: number;
}

export interface CatalogTable {
  tableId: number;
  uuid: string | null;
  name: string;
  schemaName: string;
  tablePath: string;
  tablePathIsRelative: boolean;
  schemaPath: string;
  schemaPathIsRelative: boolean;
  beginSnapshot: number;
  endSnapshot: number | null;
}

export interface CatalogColumn {
  columnId: number;
  beginSnapshot: number;
  endSnapshot: number | null;
  order: number;
  name: string;
  type: string;
  initialDefault: string | null;
  nullable: boolean;
  parentId: number | null;
}

export interface CatalogDataFile {
  fileId: number;
  path: string;
  pathIsRelative: boolean;
  format: string;
  recordCount: number;
  sizeBytes: number;
  beginSnapshot: number;
  partitionId: number | null;
  encrypted: boolean;
  mappingId: number | null;
  /** Time of the snapshot that added the file; undefined when that snapshot was expired. */
  beginTimeMs: number | undefined;
}

/** A data file row with its end (null while live), for reading what changed since a snapshot. */
export interface CatalogFileChange extends CatalogDataFile {
  endSnapshot: number | null;
}

export interface CatalogColumnStats {
  fileId: number;
  columnId: number;
  nullCount: number | null;
  min: string | null;
  max: string | null;
  containsNan: boolean | null;
}

export interface CatalogPartitionKey {
  index: number;
  columnId: number;
  transform: string;
}

export interface CatalogPartitionSpec {
  partitionId: number;
  keys: CatalogPartitionKey[];
}

export interface CatalogScheduledDeletion {
  fileId: number;
  path: string;
  pathIsRelative: boolean;
}

export interface SnapshotChange {
  snapshotId: number;
  kind: string;
  /** A table id for changes to an existing table; undefined for name-based entries such as created_table. */
  tableId: number | undefined;
}

export interface CatalogMetadata {
  version: string;
  dataPath: string;
  encrypted: boolean;
}

/** One row of `ducklake_data_file` / `ducklake_delete_file` with its table's and schema's path parts. */
export interface CatalogFileRow {
  kind: 'data' | 'delete';
  schemaName: string;
  tableName: string;
  schemaPath: string | null;
  schemaPathIsRelative: boolean;
  tablePath: string | null;
  tablePathIsRelative: boolean;
  filePath: string;
  filePathIsRelative: boolean;
  sizeBytes: number;
}

let aliasCounter = 0;

/** Up to this many file ids go into SQL as a list; more as their range (see perFileRows). */
const ID_LIST_LIMIT = 256;

/** A catalog target naming a PostgreSQL catalog rather than a local file: `postgres:<libpq connection>`. */
export const POSTGRES_CATALOG_PREFIX = 'postgres:';

/** Which engine reads a SQLite catalog: SQLite in WASM (the default) or DuckDB's sqlite_scanner. */
export type SqliteCatalogEngine = 'wasm' | 'duckdb';

export class CatalogReader {
  private constructor(
    private readonly backend: CatalogBackend,
    private readonly file: string,
    readonly format: CatalogFormat | 'postgres',
  ) {}

  /**
   * Opens `file` read-only (SQLite, or a DuckDB-file catalog; told apart by
   * the file header), refuses a DuckDB file that holds code (views, macros),
   * and checks it is a DuckLake catalog of the version this build reads.
   * A SQLite catalog is read without DuckDB unless `sqliteEngine` says 'duckdb'.
   */
  static async open(
    source: DuckDBSource,
    file: string,
    options: { sqliteEngine?: SqliteCatalogEngine } = {},
  ): Promise<CatalogReader> {
    if (file.startsWith(POSTGRES_CATALOG_PREFIX)) return CatalogReader.openPostgres(await sessionOf(source), file);
    const format = await catalogFileKind(file);
    let backend: CatalogBackend | undefined;
    if (format === 'sqlite' && (options.sqliteEngine ?? 'wasm') === 'wasm') backend = await readUnlessWritten(file);
    if (!backend) {
      const session = await sessionOf(source);
      const alias = `ducklake_catalog_${++aliasCounter}`;
      if (format === 'sqlite') {
        await session.loadExtensions(['sqlite_scanner']);
        await recoverInterruptedWrite(session, file);
      }
      const type = format === 'sqlite' ? 'TYPE sqlite, ' : '';
      await session.run(`ATTACH ${quoteLiteral(file)} AS ${quoteIdentifier(alias)} (${type}READ_ONLY)`);
      backend = new DuckDBCatalogBackend(session, alias);
      if (format !== 'sqlite') {
        try {
          await refuseCatalogCode(session, alias);
        } catch (error) {
          await backend.close();
          throw error;
        }
      }
    }
    return CatalogReader.readable(new CatalogReader(backend, file, format));
  }

  /** The reader once its metadata reads (DuckLake's own tables are there); closed if they do not. */
  private static async readable(reader: CatalogReader): Promise<CatalogReader> {
    try {
      await reader.metadata();
    } catch (error) {
      await reader.close();
      throw error;
    }
    return reader;
  }

  /**
   * Team mode: the catalog's tables in a PostgreSQL database (`postgres:<connection>`), read-only
   * through DuckDB's postgres extension. Reads are filtered by snapshot id, so writers committing
   * meanwhile do not change what one export sees.
   */
  private static async openPostgres(session: DuckDBSession, target: string): Promise<CatalogReader> {
    await session.loadExtensions(['postgres_scanner']);
    const alias = `delta_export_catalog_${++aliasCounter}`;
    const connection = target.slice(POSTGRES_CATALOG_PREFIX.length);
    try {
      await session.run(`ATTACH ${quoteLiteral(connection)} AS ${quoteIdentifier(alias)} (TYPE postgres, READ_ONLY)`);
    } catch (error) {
      throw new CatalogFormatError(
        redactSecrets(
          `Cannot reach the PostgreSQL catalog: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        ),
        'Check the connection string in the variable lakehouse.yml names (catalog.connection_env) and that the server is up.',
      );
    }
    return CatalogReader.readable(
      new CatalogReader(new DuckDBCatalogBackend(session, alias), 'the PostgreSQL catalog', 'postgres'),
    );
  }

  /**
   * A SQLite catalog read in WASM, or undefined when that cannot be done safely now (a write in flight,
   * a journal a killed writer left, not a SQLite catalog): for callers that would rather not open DuckDB
   * at all than read through it (a run's skip check before anything else needs DuckDB).
   */
  static async openUnlessWritten(file: string): Promise<CatalogReader | undefined> {
    if ((await catalogFileKind(file)) !== 'sqlite') return undefined;
    const backend = await readUnlessWritten(file);
    if (!backend) return undefined;
    return CatalogReader.readable(new CatalogReader(backend, file, 'sqlite'));
  }

  /** Every live table's state (see liveTableStates); with a log, only what changed since its last read. */
  liveTableStates(log?: TableStateLog): Promise<Map<string, string>> {
    return log ? log.read(this.backend) : liveTableStates(this.backend);
  }

  /** Whether the catalog holds a live macro (DuckLake stores CREATE MACRO): its body may read any table. */
  async hasMacros(): Promise<boolean> {
    if (!(await this.backend.tableNames()).has('ducklake_macro')) return false;
    const [row] = await this.backend.all<{ n: unknown }>(
      `SELECT count(*) AS n FROM ${this.table('ducklake_macro')} WHERE end_snapshot IS NULL`,
    );
    return num(row?.n ?? 0) > 0;
  }

  /** The file format of a catalog file (pull, the mirror); a PostgreSQL catalog has no file. */
  fileFormat(): CatalogFormat {
    if (this.format === 'postgres') throw new CatalogFormatError('A PostgreSQL catalog has no local file format.');
    return this.format;
  }

  async close(): Promise<void> {
    await this.backend.close().catch(() => undefined);
  }

  /** A FROM-clause expression for one catalog table, e.g. `ducklake_data_file`. */
  private table(name: string): string {
    return this.backend.table(name);
  }

  /** The catalog's global settings, version checked against the one version policy. */
  async metadata(): Promise<CatalogMetadata> {
    let rows: { key: string; value: string }[];
    try {
      rows = await this.backend.all(
        `SELECT "key", "value" FROM ${this.table('ducklake_metadata')} WHERE scope IS NULL OR scope = ''`,
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      // Only a missing table means "not a catalog"; anything else (locked, unreadable) is said as it is.
      if (!/does not exist|not found|no such table/i.test(reason))
        throw new CatalogFormatError(
          `${this.file} could not be read: ${redactSecrets(reason)}`,
          'Close other programs using it and try again; if it persists, pull the lakehouse again.',
        );
      throw new CatalogFormatError(
        `${this.file} is a ${this.format === 'sqlite' ? 'SQLite' : 'DuckDB'} database but not a DuckLake catalog (no ducklake_metadata table).`,
        'Check the catalog path of this lakehouse.',
      );
    }
    const get = (key: string) => rows.find((r) => r.key === key)?.value;
    const version = checkCatalogVersion(get('version'));
    return { version, dataPath: get('data_path') ?? '', encrypted: get('encrypted') === 'true' };
  }

  /**
   * Data and delete files with their table's and schema's path parts: those live
   * at the latest snapshot, or ('all') of every snapshot, so time travel finds them too.
   * Paths come back as stored; callers check them (lake/catalogFiles.ts).
   */
  async fileRows(scope: 'live' | 'all'): Promise<CatalogFileRow[]> {
    const t = (name: string) => this.table(name);
    const live = (alias: string) =>
      scope === 'all'
        ? 'true'
        : `${alias}.begin_snapshot <= cur.s AND (${alias}.end_snapshot IS NULL OR cur.s < ${alias}.end_snapshot)`;
    const rows = await this.backend.all<Record<string, unknown>>(`
      WITH cur AS (SELECT max(snapshot_id) AS s FROM ${t('ducklake_snapshot')}),
      files AS (
        SELECT 'data' AS kind, table_id, path, path_is_relative, file_size_bytes, begin_snapshot, end_snapshot FROM ${t('ducklake_data_file')}
        UNION ALL
        SELECT 'delete' AS kind, table_id, path, path_is_relative, file_size_bytes, begin_snapshot, end_snapshot FROM ${t('ducklake_delete_file')}
      )
      SELECT f.kind, s.schema_name, tb.table_name, s.path AS schema_path, s.path_is_relative AS schema_rel,
             tb.path AS table_path, tb.path_is_relative AS table_rel,
             f.path AS file_path, f.path_is_relative AS file_rel, f.file_size_bytes AS size
      FROM files f
      JOIN ${t('ducklake_table')} tb ON tb.table_id = f.table_id
      JOIN ${t('ducklake_schema')} s ON s.schema_id = tb.schema_id, cur
      WHERE ${live('f')} AND ${live('tb')} AND ${live('s')}
      ORDER BY 2, 3, 8`);
    return rows.map((r) => ({
      kind: r.kind === 'delete' ? 'delete' : 'data',
      schemaName: String(r.schema_name),
      tableName: String(r.table_name),
      schemaPath: (r.schema_path as string | null) ?? null,
      schemaPathIsRelative: bool(r.schema_rel, true),
      tablePath: (r.table_path as string | null) ?? null,
      tablePathIsRelative: bool(r.table_rel, true),
      filePath: String(r.file_path),
      filePathIsRelative: bool(r.file_rel, true),
      sizeBytes: num(r.size),
    }));
  }

  async currentSnapshot(): Promise<CatalogSnapshot> {
    const rows = await this.snapshotRows('ORDER BY snapshot_id DESC LIMIT 1');
    if (!rows[0]) throw new CatalogFormatError('The DuckLake catalog has no snapshots.');
    return rows[0];
  }

  /** Every `ducklake_metadata` row with its scope (options set for the lake or per table). */
  async settings(): Promise<Array<{ key: string; value: string; scope: string | null; scopeId: number | null }>> {
    const rows = await this.backend.all<{ key: string; value: string; scope: string | null; scope_id: bigint | null }>(
      `SELECT key, value, scope, scope_id FROM ${this.table('ducklake_metadata')}`,
    );
    return rows.map((r) => ({
      key: r.key,
      value: String(r.value),
      scope: r.scope,
      scopeId: r.scope_id === null ? null : num(r.scope_id),
    }));
  }

  /** Ids of tables with two or more live files under their target size (bytes per table, else `otherwise`). */
  async tablesWithSmallFiles(targets: ReadonlyMap<number, number>, otherwise: number): Promise<number[]> {
    const limit = targets.size
      ? `CASE table_id ${[...targets].map(([id, bytes]) => `WHEN ${int(id)} THEN ${int(bytes)}`).join(' ')} ELSE ${int(otherwise)} END`
      : String(int(otherwise));
    const rows = await this.backend.all<{ table_id: bigint }>(
      `SELECT table_id FROM ${this.table('ducklake_data_file')} WHERE end_snapshot IS NULL AND file_size_bytes < ${limit}
       GROUP BY table_id HAVING count(*) >= 2`,
    );
    return rows.map((r) => num(r.table_id));
  }

  /** The latest commit with its author and message (team mode's tree shows it instead of a lease). */
  async latestCommit(): Promise<{ id: number; timeMs: number; author?: string; message?: string } | undefined> {
    const [row] = await this.backend.all<{
      id: bigint;
      time_ms: bigint;
      author: string | null;
      commit_message: string | null;
    }>(
      `SELECT s.snapshot_id AS id, ${this.backend.epochMs('s.snapshot_time')} AS time_ms, c.author, c.commit_message
       FROM ${this.table('ducklake_snapshot')} s LEFT JOIN ${this.table('ducklake_snapshot_changes')} c USING (snapshot_id)
       ORDER BY s.snapshot_id DESC LIMIT 1`,
    );
    if (!row) return undefined;
    return {
      id: num(row.id),
      timeMs: num(row.time_ms),
      author: row.author ?? undefined,
      message: row.commit_message ?? undefined,
    };
  }

  async snapshot(id: number): Promise<CatalogSnapshot | undefined> {
    return (await this.snapshotRows(`WHERE snapshot_id = ${int(id)}`))[0];
  }

  private async snapshotRows(clause: string): Promise<CatalogSnapshot[]> {
    const rows = await this.backend.all<{ id: bigint; time_ms: bigint; next_file_id: bigint }>(
      `SELECT snapshot_id AS id, ${this.backend.epochMs('snapshot_time')} AS time_ms, next_file_id
       FROM ${this.table('ducklake_snapshot')} ${clause}`,
    );
    return rows.map((r) => ({ id: num(r.id), timeMs: num(r.time_ms), nextFileId: num(r.next_file_id) }));
  }

  /** Every table row with its schema; live ones and dropped ones alike (visibility is decided by the caller). */
  async tables(): Promise<CatalogTable[]> {
    const rows = await this.backend.all<Record<string, unknown>>(
      `SELECT t.table_id, t.table_uuid, t.table_name, t.path, t.path_is_relative, t.begin_snapshot, t.end_snapshot,
              s.schema_name, s.path AS schema_path, s.path_is_relative AS schema_path_is_relative
       FROM ${this.table('ducklake_table')} t JOIN ${this.table('ducklake_schema')} s USING (schema_id)
       ORDER BY t.table_id, t.begin_snapshot`,
    );
    return rows.map((r) => ({
      tableId: num(r.table_id),
      uuid: (r.table_uuid as string | null) ?? null,
      name: String(r.table_name),
      schemaName: String(r.schema_name),
      tablePath: String(r.path ?? ''),
      tablePathIsRelative: bool(r.path_is_relative, true),
      schemaPath: String(r.schema_path ?? ''),
      schemaPathIsRelative: bool(r.schema_path_is_relative, true),
      beginSnapshot: num(r.begin_snapshot),
      endSnapshot: optNum(r.end_snapshot),
    }));
  }

  /** The full column history of one table (every version of every column). */
  async columns(tableId: number): Promise<CatalogColumn[]> {
    const rows = await this.backend.all<Record<string, unknown>>(
      `SELECT column_id, begin_snapshot, end_snapshot, column_order, column_name, column_type, initial_default,
              nulls_allowed, parent_column
       FROM ${this.table('ducklake_column')} WHERE table_id = ${int(tableId)} ORDER BY column_order, column_id`,
    );
    return rows.map((r) => ({
      columnId: num(r.column_id),
      beginSnapshot: num(r.begin_snapshot),
      endSnapshot: optNum(r.end_snapshot),
      order: num(r.column_order),
      name: String(r.column_name),
      type: String(r.column_type),
      initialDefault: (r.initial_default as string | null) ?? null,
      nullable: bool(r.nulls_allowed, true),
      parentId: optNum(r.parent_column),
    }));
  }

  /**
   * Data files of a table visible at `snapshot`. With `createdBefore`, only
   * files whose id was allocated before that next_file_id: a file merged later
   * may claim an older begin_snapshot, but its id gives it away.
   */
  async dataFiles(tableId: number, snapshot: number, createdBefore?: number): Promise<CatalogDataFile[]> {
    const idFilter = createdBefore === undefined ? '' : `AND f.data_file_id < ${int(createdBefore)}`;
    const rows = await this.values(
      `${this.dataFileSelect()} WHERE f.table_id = ${int(tableId)} ${visibleAt('f', snapshot)} ${idFilter}
       ORDER BY f.data_file_id`,
    );
    return this.withBeginTimes(rows);
  }

  /**
   * A table's data files that changed after snapshot `after` as of `upTo`: begun after it, ended
   * after it, or allocated an id from `nextFileId` (that snapshot's next_file_id) on, since a merge
   * may date a new file back to its inputs' snapshot. The rest of the table is not read, so an
   * incremental export costs the change, not the table. Without `endedToo` (only inserts since),
   * just the ids from `nextFileId` on: a primary-key range, not a scan of every file row.
   */
  async dataFilesChangedSince(
    tableId: number,
    after: number,
    nextFileId: number,
    upTo: number,
    options: { endedToo: boolean } = { endedToo: true },
  ): Promise<CatalogFileChange[]> {
    const which = options.endedToo
      ? `(f.begin_snapshot > ${int(after)} OR f.data_file_id >= ${int(nextFileId)}
          OR (f.end_snapshot IS NOT NULL AND f.end_snapshot > ${int(after)}))`
      : `f.data_file_id >= ${int(nextFileId)}`;
    const rows = await this.values(
      `${this.dataFileSelect(', f.end_snapshot')}
       WHERE f.table_id = ${int(tableId)} AND f.begin_snapshot <= ${int(upTo)} AND ${which}
       ORDER BY f.data_file_id`,
    );
    const files = await this.withBeginTimes(rows);
    return files.map((file, i) => ({ ...file, endSnapshot: optNum(rows[i]![DATA_FILE_COLUMNS]) }));
  }

  /** How many data files and rows a table has at `snapshot` (one aggregate row; no file rows read). */
  async liveFileTotals(tableId: number, snapshot: number): Promise<{ files: number; records: number }> {
    const [row] = await this.backend.all<{ n: bigint; records: bigint | null }>(
      `SELECT count(*) AS n, sum(f.record_count) AS records FROM ${this.table('ducklake_data_file')} f
       WHERE f.table_id = ${int(tableId)} ${visibleAt('f', snapshot)}`,
    );
    return { files: num(row?.n ?? 0), records: num(row?.records ?? 0) };
  }

  /** Rows as value arrays in select order (see CatalogBackend.values); objects' values where a backend has none. */
  private async values(sql: string): Promise<unknown[][]> {
    return this.backend.values
      ? this.backend.values(sql)
      : (await this.backend.all<Record<string, unknown>>(sql)).map((r) => Object.values(r));
  }

  /** Its columns in the order dataFileOf reads them (DATA_FILE_COLUMNS of them), then `extra`. */
  private dataFileSelect(extra = ''): string {
    return `SELECT f.data_file_id, f.path, f.path_is_relative, f.file_format, f.record_count, f.file_size_bytes,
              f.begin_snapshot, f.partition_id, f.encryption_key IS NOT NULL AS encrypted, f.mapping_id${extra}
       FROM ${this.table('ducklake_data_file')} f`;
  }

  /**
   * File rows with their begin snapshot's time, read once per snapshot: joined and converted per row, a
   * first export's 10k file rows each carried (and SQLite in WASM called back to JavaScript for) the same
   * few timestamps.
   */
  private async withBeginTimes(rows: unknown[][]): Promise<CatalogDataFile[]> {
    const snapshots = new Set<number>();
    for (const r of rows) snapshots.add(num(r[6]));
    const times = new Map<number, number | null>();
    if (snapshots.size > 0) {
      const ids = [...snapshots];
      const [lowest, highest] = bounds(ids);
      const which =
        ids.length > ID_LIST_LIMIT ? `BETWEEN ${int(lowest)} AND ${int(highest)}` : `IN (${ids.map(int).join(', ')})`;
      for (const [id, ms] of await this.values(
        `SELECT snapshot_id, ${this.backend.epochMs('snapshot_time')} FROM ${this.table('ducklake_snapshot')}
         WHERE snapshot_id ${which}`,
      ))
        times.set(num(id), optNum(ms));
    }
    return rows.map((r) => dataFileOf(r, times));
  }

  /** Live delete files per table: rows those tables must not show again. */
  async liveDeleteFiles(snapshot: number): Promise<Map<number, number>> {
    const rows = await this.backend.all<{ table_id: bigint; n: bigint }>(
      `SELECT table_id, count(*) AS n FROM ${this.table('ducklake_delete_file')} d
       WHERE true ${visibleAt('d', snapshot)} GROUP BY table_id`,
    );
    return new Map(rows.map((r) => [num(r.table_id), num(r.n)]));
  }

  /** Rows kept inside the catalog (data inlining) and visible at `snapshot`, per table. */
  async inlinedRows(snapshot: number): Promise<Map<number, number>> {
    const existing = await this.catalogTableNames();
    const sources = await this.backend.all<{ table_id: bigint; table_name: string }>(
      `SELECT table_id, table_name FROM ${this.table('ducklake_inlined_data_tables')}`,
    );
    const counts = new Map<number, number>();
    for (const source of sources) {
      // The name comes from the catalog: only query names of the documented shape.
      if (!/^ducklake_inlined_data_\d+_\d+$/.test(source.table_name) || !existing.has(source.table_name)) continue;
      const [row] = await this.backend.all<{ n: bigint }>(
        `SELECT count(*) AS n FROM ${this.table(source.table_name)} i WHERE true ${visibleAt('i', snapshot)}`,
      );
      const tableId = num(source.table_id);
      counts.set(tableId, (counts.get(tableId) ?? 0) + num(row?.n ?? 0n));
    }
    return counts;
  }

  /** Deletes of Parquet rows kept inside the catalog (`ducklake_inlined_delete_<table>`), per table. */
  async inlinedDeletes(snapshot: number): Promise<Map<number, number>> {
    const counts = new Map<number, number>();
    for (const name of await this.catalogTableNames()) {
      const match = /^ducklake_inlined_delete_(\d+)$/.exec(name);
      if (!match) continue;
      const [row] = await this.backend.all<{ n: bigint }>(
        `SELECT count(*) AS n FROM ${this.table(name)} WHERE begin_snapshot <= ${int(snapshot)}`,
      );
      const n = num(row?.n ?? 0n);
      if (n > 0) counts.set(Number(match[1]), n);
    }
    return counts;
  }

  private catalogTableNames(): Promise<Set<string>> {
    return this.backend.tableNames();
  }

  /** Column statistics of the given files, in no particular order (a sort of 50k rows cost more than the read). */
  async fileStats(tableId: number, fileIds: readonly number[]): Promise<CatalogColumnStats[]> {
    if (fileIds.length === 0) return [];
    const rows = await this.perFileRows('ducklake_file_column_stats', fileIds, (which) =>
      this.statsSelect(tableId, which),
    );
    return rows.map(columnStatsOf);
  }

  /**
   * The column statistics of the given files, handed to `onFile` one file at a time (all of that
   * file's rows) as SQLite reads them, so that none outlive the caller's use: a first export of 10k
   * files kept 50k stats objects alive through every young-generation collection, most of its garbage
   * collection time. A file whose rows turn out not to be contiguous is handed over again at the end
   * with all of its rows; files with no stats rows are not handed over. Backends without `each`, and
   * reads the rowid shortcut cannot answer, go through fileStats. `columnIds`: only these columns' rows.
   */
  async eachFileStats(
    tableId: number,
    fileIds: readonly number[],
    onFile: (fileId: number, stats: CatalogColumnStats[]) => void,
    columnIds?: readonly number[],
  ): Promise<void> {
    if (fileIds.length === 0) return;
    if (columnIds?.length === 0) return;
    const wantedColumns = columnIds && new Set(columnIds);
    const columns = columnIds ? `AND column_id IN (${columnIds.map(int).join(', ')})` : '';
    const table = 'ducklake_file_column_stats';
    const [lowest, highest] = bounds(fileIds);
    const start = this.backend.each ? await this.rowidOfFirstFile(table, lowest) : undefined;
    const whole = async (ids: readonly number[]) => {
      const rows = await this.fileStats(tableId, ids);
      groupByFile(wantedColumns ? rows.filter((r) => wantedColumns.has(r.columnId)) : rows, onFile);
    };
    if (start === undefined) {
      await whole(fileIds);
      return;
    }
    const wanted = new Set(fileIds);
    const done = new Set<number>();
    const again = new Set<number>();
    let current = -1;
    let run: CatalogColumnStats[] = [];
    const flush = () => {
      if (run.length === 0) return;
      if (done.has(current)) again.add(current);
      else {
        done.add(current);
        onFile(current, run);
      }
      run = [];
    };
    await this.backend.each!(
      this.statsSelect(
        tableId,
        `rowid >= ${int(start)} AND data_file_id BETWEEN ${int(lowest)} AND ${int(highest)} ${columns}`,
      ),
      (row) => {
        const id = num(row[0]);
        if (!wanted.has(id)) return;
        if (id !== current) {
          flush();
          current = id;
        }
        run.push(columnStatsOf(row));
      },
    );
    flush();
    // Not found past the start rowid (the insertion order did not hold), or split: read those again whole.
    const rest = fileIds.filter((id) => again.has(id) || !done.has(id));
    if (rest.length > 0) await whole(rest);
  }

  /** Stats rows in the order columnStatsOf reads them. */
  private statsSelect(tableId: number, which: string): string {
    return `SELECT data_file_id, column_id, null_count, min_value, max_value, contains_nan
       FROM ${this.table('ducklake_file_column_stats')}
       WHERE ${which} AND table_id = ${int(tableId)}`;
  }

  /** The partition spec in force at `snapshot`, if the table is partitioned. */
  async partitionSpec(tableId: number, snapshot: number): Promise<CatalogPartitionSpec | undefined> {
    const rows = await this.backend.all<Record<string, unknown>>(
      `SELECT i.partition_id, c.partition_key_index, c.column_id, c."transform"
       FROM ${this.table('ducklake_partition_info')} i
       JOIN ${this.table('ducklake_partition_column')} c USING (partition_id, table_id)
       WHERE i.table_id = ${int(tableId)} ${visibleAt('i', snapshot)}
       ORDER BY c.partition_key_index`,
    );
    if (rows.length === 0) return undefined;
    return {
      partitionId: num(rows[0]!.partition_id),
      keys: rows.map((r) => ({
        index: num(r.partition_key_index),
        columnId: num(r.column_id),
        transform: String(r.transform),
      })),
    };
  }

  /** Partition values of the given files: file id -> key index -> value (null for NULL). */
  async filePartitionValues(
    tableId: number,
    fileIds: readonly number[],
  ): Promise<Map<number, Map<number, string | null>>> {
    const result = new Map<number, Map<number, string | null>>();
    if (fileIds.length === 0) return result;
    const rows = await this.perFileRows(
      'ducklake_file_partition_value',
      fileIds,
      (which) =>
        `SELECT data_file_id, partition_key_index, partition_value FROM ${this.table('ducklake_file_partition_value')}
         WHERE ${which} AND table_id = ${int(tableId)}`,
    );
    for (const r of rows) {
      const fileId = num(r[0]);
      let values = result.get(fileId);
      if (!values) result.set(fileId, (values = new Map()));
      values.set(num(r[1]), (r[2] as string | null) ?? null);
    }
    return result;
  }

  /**
   * Rows of a per-file table (`data_file_id` column) for the given files. In a SQLite catalog these
   * rows are appended as files are written, so their rowids follow the file ids: the rows from the
   * first one of the lowest wanted file on are found by rowid and only those are read, so a few new
   * files cost a few rows, not a scan of every file's. If any wanted file gets no row that way (the
   * order assumption does not hold), the whole table is read as everywhere else.
   * `sql` gets the condition on rowid and file id to put in its WHERE clause. Many ids (a first export's
   * every file) are asked for as their id range and the other rows in it dropped here: an IN list of 10k
   * ids cost SQLite more to parse and look up than the rows it saved.
   */
  private async perFileRows(
    table: string,
    fileIds: readonly number[],
    sql: (which: string) => string,
  ): Promise<unknown[][]> {
    const [lowest, highest] = bounds(fileIds);
    const asRange = fileIds.length > ID_LIST_LIMIT;
    const ids = asRange
      ? `data_file_id BETWEEN ${int(lowest)} AND ${int(highest)}`
      : `data_file_id IN (${fileIds.map(int).join(', ')})`;
    const wanted = new Set(fileIds);
    const keep = (rows: unknown[][]) => (asRange ? rows.filter((r) => wanted.has(num(r[0]))) : rows);
    const start = await this.rowidOfFirstFile(table, lowest);
    if (start !== undefined) {
      const rows = keep(await this.values(sql(`rowid >= ${int(start)} AND ${ids}`)));
      const found = new Set(rows.map((r) => num(r[0])));
      if (found.size === wanted.size) return rows;
    }
    return keep(await this.values(sql(ids)));
  }

  /** The smallest rowid whose row (and every later one) has data_file_id >= fileId: a binary search of rowid seeks. */
  private async rowidOfFirstFile(table: string, fileId: number): Promise<number | undefined> {
    if (!this.backend.insertionRowids) return undefined;
    const t = this.table(table);
    const [bounds] = await this.backend.all<{ lo: unknown; hi: unknown }>(
      // Two subqueries: SQLite answers a lone min() or max() of rowid by one seek, both at once by a scan.
      `SELECT (SELECT min(rowid) FROM ${t}) AS lo, (SELECT max(rowid) FROM ${t}) AS hi`,
    );
    if (bounds?.lo === null || bounds?.lo === undefined || bounds.hi === null || bounds.hi === undefined)
      return undefined;
    let lo = num(bounds.lo);
    let hi = num(bounds.hi) + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const [row] = await this.backend.all<{ r: unknown; id: unknown }>(
        `SELECT rowid AS r, data_file_id AS id FROM ${t} WHERE rowid >= ${int(mid)} ORDER BY rowid LIMIT 1`,
      );
      if (!row || num(row.id) >= fileId) hi = mid;
      else lo = num(row.r) + 1;
    }
    return lo;
  }

  /** Column renames used by files added with ducklake_add_data_files: mapping id -> column id -> source name. */
  async nameMappings(mappingIds: readonly number[]): Promise<Map<number, Map<number, string>>> {
    const result = new Map<number, Map<number, string>>();
    if (mappingIds.length === 0) return result;
    const rows = await this.backend.all<Record<string, unknown>>(
      `SELECT mapping_id, target_field_id, source_name FROM ${this.table('ducklake_name_mapping')}
       WHERE mapping_id IN (${mappingIds.map(int).join(', ')})`,
    );
    for (const r of rows) {
      const id = num(r.mapping_id);
      let names = result.get(id);
      if (!names) result.set(id, (names = new Map()));
      names.set(num(r.target_field_id), String(r.source_name));
    }
    return result;
  }

  /** Parsed `ducklake_snapshot_changes` for snapshots in (after, upTo]. */
  async changes(after: number, upTo: number): Promise<SnapshotChange[]> {
    const rows = await this.backend.all<{ snapshot_id: bigint; changes_made: string | null }>(
      `SELECT snapshot_id, changes_made FROM ${this.table('ducklake_snapshot_changes')}
       WHERE snapshot_id > ${int(after)} AND snapshot_id <= ${int(upTo)} ORDER BY snapshot_id`,
    );
    return rows.flatMap((r) => parseChanges(num(r.snapshot_id), r.changes_made ?? ''));
  }

  /**
   * The changes of every snapshot in (after, upTo], and whether the catalog
   * still has them all (one `ducklake_snapshot_changes` row per snapshot, no
   * snapshot missing); an incomplete range proves nothing.
   */
  async changesSince(after: number, upTo: number): Promise<{ complete: boolean; changes: SnapshotChange[] }> {
    const rows = await this.backend.all<{ snapshot_id: bigint; changes_made: string | null }>(
      `SELECT snapshot_id, changes_made FROM ${this.table('ducklake_snapshot_changes')}
       WHERE snapshot_id > ${int(after)} AND snapshot_id <= ${int(upTo)} ORDER BY snapshot_id`,
    );
    const [count] = await this.backend.all<{ n: bigint }>(
      `SELECT count(*) AS n FROM ${this.table('ducklake_snapshot')} WHERE snapshot_id > ${int(after)} AND snapshot_id <= ${int(upTo)}`,
    );
    const ids = new Set(rows.map((r) => num(r.snapshot_id)));
    const complete = ids.size === rows.length && ids.size === num(count?.n ?? 0) && ids.size === upTo - after;
    return { complete, changes: rows.flatMap((r) => parseChanges(num(r.snapshot_id), r.changes_made ?? '')) };
  }

  /** For each file id, the first snapshot whose next_file_id passed it: when the file was really written. */
  async creationSnapshots(fileIds: readonly number[]): Promise<Map<number, number>> {
    if (fileIds.length === 0) return new Map();
    const rows = await this.backend.all<{ file_id: bigint; snapshot_id: bigint | null }>(
      `SELECT f.file_id, (SELECT min(snapshot_id) FROM ${this.table('ducklake_snapshot')} s WHERE s.next_file_id > f.file_id) AS snapshot_id
       FROM ${this.backend.idRows(fileIds.map((id) => Number(int(id))))} f`,
    );
    return new Map(rows.filter((r) => r.snapshot_id !== null).map((r) => [num(r.file_id), num(r.snapshot_id!)]));
  }

  /** Files merged or expired away whose Parquet is not deleted yet (until ducklake_cleanup_old_files). */
  async scheduledDeletions(): Promise<CatalogScheduledDeletion[]> {
    const rows = await this.backend.all<Record<string, unknown>>(
      `SELECT data_file_id, path, path_is_relative FROM ${this.table('ducklake_files_scheduled_for_deletion')} ORDER BY data_file_id, path`,
    );
    return rows.map((r) => ({
      fileId: num(r.data_file_id),
      path: String(r.path),
      pathIsRelative: bool(r.path_is_relative, true),
    }));
  }
}

/**
 * `changes_made` is a comma-separated list of `kind:value`, where value is a
 * table id or quoted names (`created_table:"main"."t"`). Commas inside quotes
 * belong to names.
 */
export function parseChanges(snapshotId: number, text: string): SnapshotChange[] {
  return changeEntries(text).map(({ kind, value }) => ({
    snapshotId,
    kind,
    tableId: /^\d+$/.test(value) ? Number(value) : undefined,
  }));
}

/** `changes_made`'s entries split as parseChanges says; an entry without `:` is all kind, with no value. */
function changeEntries(text: string): Array<{ kind: string; value: string; hasValue: boolean }> {
  const entries: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      entries.push(current);
      current = '';
    } else current += char;
  }
  if (current) entries.push(current);
  return entries.map((entry) => {
    const colon = entry.indexOf(':');
    return colon < 0
      ? { kind: entry, value: '', hasValue: false }
      : { kind: entry.slice(0, colon), value: entry.slice(colon + 1), hasValue: true };
  });
}

/** How many columns dataFileSelect puts before its `extra` ones. */
const DATA_FILE_COLUMNS = 10;

function dataFileOf(r: unknown[], beginTimes: ReadonlyMap<number, number | null>): CatalogDataFile {
  return {
    fileId: num(r[0]),
    path: String(r[1]),
    pathIsRelative: bool(r[2], true),
    format: String(r[3] ?? 'parquet'),
    recordCount: num(r[4]),
    sizeBytes: num(r[5]),
    beginSnapshot: num(r[6]),
    partitionId: optNum(r[7]),
    encrypted: Boolean(r[8]),
    mappingId: optNum(r[9]),
    beginTimeMs: beginTimes.get(num(r[6])) ?? undefined,
  };
}

/**
 * The live macros of attached DuckLake catalogs (lower case), read from their metadata through
 * DuckDB's attachment: the skip check's cheap answer to which session functions the project defined.
 */
export function liveMacroNamesSql(catalogs: readonly string[]): string {
  return catalogs
    .map(
      (c) =>
        `SELECT lower(macro_name) AS name FROM ${quoteIdentifier(`__ducklake_metadata_${c}`)}.ducklake_macro WHERE end_snapshot IS NULL`,
    )
    .join(' UNION ALL ');
}

export function isVisibleAt(row: { beginSnapshot: number; endSnapshot: number | null }, snapshot: number): boolean {
  return row.beginSnapshot <= snapshot && (row.endSnapshot === null || snapshot < row.endSnapshot);
}

function visibleAt(alias: string, snapshot: number): string {
  return `AND ${alias}.begin_snapshot <= ${int(snapshot)} AND (${alias}.end_snapshot IS NULL OR ${int(snapshot)} < ${alias}.end_snapshot)`;
}

/** The one sniffer (core/ducklake), with the exporter's own hint when the file cannot be read at all. */
async function catalogFileKind(path: string): Promise<CatalogFormat> {
  try {
    return await sniffCatalogFormat(path);
  } catch (error) {
    if (error instanceof CatalogFormatError) throw error;
    throw new CatalogFormatError(
      `Cannot read the DuckLake catalog at ${path}: ${error instanceof Error ? error.message : String(error)}`,
      'Pull the catalog first so a local copy of metadata.db exists.',
    );
  }
}

/** Only integers we produced ever reach SQL text. */
function int(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`Not an integer: ${value}`);
  return String(value);
}

/** The smallest and largest id (no spread: a 100k-id list would overflow the call stack). */
function bounds(ids: readonly number[]): [number, number] {
  let lowest = Infinity;
  let highest = -Infinity;
  for (const id of ids) {
    if (id < lowest) lowest = id;
    if (id > highest) highest = id;
  }
  return [lowest, highest];
}

function columnStatsOf(r: unknown[]): CatalogColumnStats {
  return {
    fileId: num(r[0]),
    columnId: num(r[1]),
    nullCount: optNum(r[2]),
    min: (r[3] as string | null) ?? null,
    max: (r[4] as string | null) ?? null,
    containsNan: r[5] === null || r[5] === undefined ? null : num(r[5]) !== 0,
  };
}

function groupByFile(
  rows: readonly CatalogColumnStats[],
  onFile: (fileId: number, stats: CatalogColumnStats[]) => void,
): void {
  const byFile = new Map<number, CatalogColumnStats[]>();
  for (const row of rows) {
    const list = byFile.get(row.fileId);
    if (list) list.push(row);
    else byFile.set(row.fileId, [row]);
  }
  for (const [fileId, stats] of byFile) onFile(fileId, stats);
}

function num(value: unknown): number {
  const n = typeof value === 'bigint' ? Number(value) : Number(value);
  if (!Number.isFinite(n))
    throw new CatalogFormatError(
      `The DuckLake catalog holds a non-numeric value where a number belongs: ${String(value)}`,
    );
  return n;
}

function optNum(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}

function bool(value: unknown, fallback: boolean): boolean {
  if (value === null || value === undefined) return fallback;
  return typeof value === 'boolean' ? value : num(value) !== 0;
}

/**
 * The WASM reader copies the file's bytes and sees no SQLite locks, so it is used only when no write
 * was in flight: no journal beside the file before, and the same file (and still no journal) after.
 * Otherwise (a live writer, or a hot journal a killed one left) the caller reads through SQLite's
 * own locking and journal recovery instead. A damaged file is still reported as damaged.
 */
async function readUnlessWritten(file: string): Promise<CatalogBackend | undefined> {
  if (await hasInterruptedWrite(file)) return undefined;
  const before = await fileSignature(file);
  let backend: SqliteCatalogBackend;
  try {
    backend = await SqliteCatalogBackend.open(file);
  } catch (error) {
    if ((await hasInterruptedWrite(file)) || (await fileSignature(file)) !== before) return undefined;
    throw error;
  }
  if (!(await hasInterruptedWrite(file)) && (await fileSignature(file)) === before) return backend;
  await backend.close();
  return undefined;
}

/**
 * For a run's skip-unchanged check: every live table (`schema.table`, lower case) with its uuid (new on
 * every CREATE OR REPLACE), the last snapshot that changed it (data files, deletes, columns, or a change
 * the snapshot log names it in) and that snapshot's time in epoch ms. The same code reads the catalog
 * through the run's own session (DuckLake's metadata database of the attach, so it sees the run's own
 * commits) and, before DuckDB is opened, a SQLite file in WASM: a state the one recorded is compared
 * with the other's, so they must be built alike. A layout this does not know fails; the caller then
 * treats every table as changed.
 */
export async function liveTableStates(backend: CatalogBackend): Promise<Map<string, string>> {
  return statesOf(await readLog(backend));
}

/** What a state read keeps between reads, so the next one need only read what came after `last`. */
interface StateLog {
  /** Live tables (with a live schema) by table id. */
  tables: Map<number, { uuid: string; begin: number; schemaId: number; name: string }>;
  /** Live schemas' names by id (those holding a live table at the last full read). */
  schemas: Map<number, string>;
  /** Per table id, the later of begin/end snapshot of its data files, delete files and columns. */
  touched: Map<number, number>;
  /** What the snapshot log names (a table id or a lower-case unquoted name) → its last snapshot. */
  named: Map<string, number>;
  times: Map<number, number | null>;
  /** The latest snapshot read and how many snapshots there were (an expiry changes the count). */
  last: number;
  count: number;
}

/**
 * The whole catalog's tables, files, columns and snapshot log: four queries (see liveTableStates), each
 * handed to SQLite whole for a SQLite catalog (one scan's set-up each instead of one per table named).
 */
async function readLog(backend: CatalogBackend): Promise<StateLog> {
  const sqlite = backend.sqlite;
  const all = <T extends Record<string, unknown>>(sql: string) =>
    sqlite ? (sqlite(sql) as Promise<T[]>) : backend.all<T>(sql);
  const t = (name: string) => (sqlite ? quoteIdentifier(name) : backend.table(name));
  // Every live schema, with its live tables (none: one row without a table). An empty schema must be
  // known too: a table created in it later is applied from the delta, not by reading all again.
  const live = await all<Record<string, unknown>>(
    `SELECT tb.table_id, CAST(tb.table_uuid AS VARCHAR) AS uuid, tb.begin_snapshot, s.schema_id, s.schema_name, tb.table_name
     FROM ${t('ducklake_schema')} s LEFT JOIN ${t('ducklake_table')} tb
       ON tb.schema_id = s.schema_id AND tb.end_snapshot IS NULL
     WHERE s.end_snapshot IS NULL`,
  );
  // The later of each row's begin and end snapshot, one scan per table (a run asks this after every node).
  const later = 'CASE WHEN end_snapshot > begin_snapshot THEN end_snapshot ELSE begin_snapshot END';
  const touchedRows = await all<Record<string, unknown>>(
    `SELECT table_id, max(s) AS s FROM (
       SELECT table_id, ${later} AS s FROM ${t('ducklake_data_file')}
       UNION ALL SELECT table_id, ${later} FROM ${t('ducklake_delete_file')}
       UNION ALL SELECT table_id, ${later} FROM ${t('ducklake_column')}) u
     GROUP BY table_id`,
  );
  const changeRows = await all<{ snapshot_id: unknown; changes_made: string | null }>(
    `SELECT snapshot_id, changes_made FROM ${t('ducklake_snapshot_changes')}`,
  );
  // SQLite returns DuckLake's timestamp text, turned into epoch ms as the WASM reader does.
  const timeRows = await all<Record<string, unknown>>(
    `SELECT snapshot_id, ${sqlite ? 'snapshot_time' : backend.epochMs('snapshot_time')} AS ms FROM ${t('ducklake_snapshot')}`,
  );
  if (sqlite) for (const r of timeRows) r.ms = epochMsOfText(r.ms as string | number | null);
  const log: StateLog = {
    tables: new Map(),
    schemas: new Map(),
    touched: new Map(touchedRows.map((r) => [num(r.table_id), optNum(r.s) ?? -1])),
    named: new Map(),
    times: new Map(timeRows.map((r) => [num(r.snapshot_id), optNum(r.ms)])),
    last: -1,
    count: timeRows.length,
  };
  for (const id of log.times.keys()) log.last = Math.max(log.last, id);
  for (const row of changeRows) nameChanges(log.named, num(row.snapshot_id), row.changes_made ?? '');
  for (const r of live) {
    const schemaId = num(r.schema_id);
    log.schemas.set(schemaId, String(r.schema_name));
    if (r.table_id === null || r.table_id === undefined) continue;
    log.tables.set(num(r.table_id), {
      uuid: String(r.uuid),
      begin: num(r.begin_snapshot),
      schemaId,
      name: String(r.table_name),
    });
  }
  return log;
}

/** Records, for every value `changes_made` names, the latest snapshot naming it. */
function nameChanges(named: Map<string, number>, snapshot: number, changesMade: string): void {
  for (const value of changeValues(changesMade)) {
    const key = value.replace(/"/g, '').toLowerCase();
    if ((named.get(key) ?? -1) < snapshot) named.set(key, snapshot);
  }
}

/** The state text of every live table, from a log read whole or brought up to date. */
function statesOf(log: StateLog): Map<string, string> {
  const states = new Map<string, string>();
  const duplicates = new Set<string>();
  for (const [id, table] of log.tables) {
    const name = `${log.schemas.get(table.schemaId)!}.${table.name}`.toLowerCase();
    const last = Math.max(
      table.begin,
      log.touched.get(id) ?? -1,
      log.named.get(String(id)) ?? -1,
      log.named.get(name) ?? -1,
    );
    // Two live tables of one name cannot be told apart: neither gets a state, so readers always run.
    if (states.has(name)) duplicates.add(name);
    states.set(name, `${table.uuid}@${last}@${String(log.times.get(last) ?? '')}`);
  }
  for (const name of duplicates) states.delete(name);
  return states;
}

/**
 * Change kinds whose whole effect on table states the snapshot log and the table rows say: rows or
 * columns of the table named by id changed at that snapshot (DuckLake records every table a commit
 * touches, for its conflict checks), a table was created, dropped or altered (its table rows begin
 * or end then), or a view changed (no table state). Anything else — a schema, a kind this build
 * does not know — means a full read.
 */
const DELTA_CHANGES = new Set([
  'created_table',
  'dropped_table',
  'altered_table',
  'inserted_into_table',
  'deleted_from_table',
  'inlined_insert',
  'inlined_delete',
  'compacted_table',
  'merge_adjacent',
  'created_view',
  'dropped_view',
  'altered_view',
]);

/**
 * A run's table states kept between reads (the skip check reads them after every node): the first
 * read is whole (liveTableStates: four statements scanning seven metadata tables); later ones are one
 * statement reading the snapshots from the last one seen with their changes, and the table rows begun
 * or ended since (and, when schemas were created, one more for their names). Through DuckDB a SQLite
 * catalog's tables are scanned whole whatever the filter, so what this saves is scans and statements,
 * not rows. Whenever the delta cannot be applied exactly (the last snapshot gone or its time changed:
 * another catalog; a snapshot expired; a schema dropped; a change kind not known here) it reads
 * everything again. The text is always what a
 * fresh liveTableStates gives (test/integration/models/skip-unchanged-states.test.ts).
 */
export class TableStateLog {
  private log: StateLog | undefined;
  /** How many reads were whole (the first, and every one a delta could not be applied to). */
  fullReads = 0;
  /** Reads one at a time: a delta is applied to the log in place (threads may ask together). */
  private readonly reads = new Mutex();

  read(backend: CatalogBackend): Promise<Map<string, string>> {
    return this.reads.run(() => this.readNow(backend));
  }

  private async readNow(backend: CatalogBackend): Promise<Map<string, string>> {
    try {
      if (!this.log || !(await this.applyDelta(backend, this.log))) {
        this.log = undefined;
        this.fullReads++;
        this.log = await readLog(backend);
      }
      return statesOf(this.log);
    } catch (error) {
      this.log = undefined;
      throw error;
    }
  }

  /** Brings `log` up to date in place; false (log unusable) when a full read is needed. */
  private async applyDelta(backend: CatalogBackend, log: StateLog): Promise<boolean> {
    const t = (name: string) => backend.table(name);
    const since = int(log.last);
    const rows = await (backend.sqlite ? sqliteDelta(backend.sqlite, since) : genericDelta(backend, since));
    const snapshots = rows.filter((r) => r.k === 's').sort((x, y) => num(x.id) - num(y.id));
    const [first, ...after] = snapshots;
    if (!first || num(first.id) !== log.last || optNum(first.a) !== (log.times.get(log.last) ?? null)) return false;
    if (num(first.b) !== log.count + after.length) return false;
    let schemasCreated = false;
    for (const row of after)
      for (const kind of changeKinds(String(row.txt ?? ''))) {
        if (kind === 'created_schema') schemasCreated = true;
        else if (!DELTA_CHANGES.has(kind)) return false;
      }
    // A run's first model in a schema creates it: the new schemas' names (one small statement, or rows
    // of the SQLite delta's own), not a whole read.
    for (const r of rows) if (r.k === 'c') log.schemas.set(num(r.id), String(r.txt));
    if (schemasCreated && !backend.sqlite) {
      const created = await backend.all<Record<string, unknown>>(
        `SELECT schema_id, schema_name FROM ${t('ducklake_schema')} WHERE end_snapshot IS NULL AND begin_snapshot > ${since}`,
      );
      for (const r of created) log.schemas.set(num(r.schema_id), String(r.schema_name));
    }
    const tableRows = rows.filter((r) => r.k === 't').sort((x, y) => num(x.a) - num(y.a));
    if (!applyTableRows(log, tableRows)) return false;
    for (const row of after) {
      const snapshot = num(row.id);
      log.times.set(snapshot, optNum(row.a));
      nameChanges(log.named, snapshot, String(row.txt ?? ''));
      log.last = snapshot;
    }
    log.count += after.length;
    return true;
  }
}

/**
 * The snapshots from `since` on (`k` 's': id, epoch ms `a`, the snapshot count `b`, changes `txt`) and the
 * table rows begun or ended after it (`k` 't'), in one statement: through DuckDB each statement's scans
 * cost ≈ 2 ms apiece, less together. The count is over the whole snapshot table (an expiry lowers it);
 * the filters only drop rows.
 */
function genericDelta(backend: CatalogBackend, since: string): Promise<Record<string, unknown>[]> {
  const t = (name: string) => backend.table(name);
  return backend.all<Record<string, unknown>>(
    `SELECT 's' AS k, s.snapshot_id AS id, s.ms AS a, s.n AS b, c.changes_made AS txt, NULL AS schema_id, NULL AS name
     FROM (SELECT snapshot_id, ${backend.epochMs('snapshot_time')} AS ms, count(*) OVER () AS n FROM ${t('ducklake_snapshot')}) s
     LEFT JOIN ${t('ducklake_snapshot_changes')} c ON c.snapshot_id = s.snapshot_id
     WHERE s.snapshot_id >= ${since}
     UNION ALL
     SELECT 't', table_id, begin_snapshot, end_snapshot, CAST(table_uuid AS VARCHAR), schema_id, table_name
     FROM ${t('ducklake_table')} WHERE begin_snapshot > ${since} OR end_snapshot > ${since}`,
  );
}

/**
 * The same rows from a SQLite catalog, read by SQLite itself in one go (one scan's set-up through
 * sqlite_scanner instead of three, ≈ 4 → 1 ms a read, and a run reads after every node), with the
 * schemas begun since (`k` 'c': id, name `txt`), which the generic delta reads only when one was. The
 * snapshot time comes back as DuckLake's text and is turned into epoch ms as the WASM reader does.
 */
async function sqliteDelta(
  sqlite: NonNullable<CatalogBackend['sqlite']>,
  since: string,
): Promise<Record<string, unknown>[]> {
  const rows = await sqlite(
    `SELECT 's' AS k, s.snapshot_id AS id, s.snapshot_time AS a, (SELECT count(*) FROM ducklake_snapshot) AS b,
            c.changes_made AS txt, NULL AS schema_id, NULL AS name
     FROM ducklake_snapshot s LEFT JOIN ducklake_snapshot_changes c ON c.snapshot_id = s.snapshot_id
     WHERE s.snapshot_id >= ${since}
     UNION ALL
     SELECT 't', table_id, begin_snapshot, end_snapshot, table_uuid, schema_id, table_name
     FROM ducklake_table WHERE begin_snapshot > ${since} OR end_snapshot > ${since}
     UNION ALL
     SELECT 'c', schema_id, begin_snapshot, NULL, schema_name, NULL, NULL
     FROM ducklake_schema WHERE end_snapshot IS NULL AND begin_snapshot > ${since}`,
  );
  for (const row of rows) if (row.k === 's') row.a = epochMsOfText(row.a as string | number | null);
  return rows;
}

/**
 * Table rows begun (`a`) or ended (`b`) after the log's last snapshot — creates, drops, renames —
 * applied to the log; false when one names a schema the log does not know (only a full read does).
 */
function applyTableRows(log: StateLog, rows: readonly Record<string, unknown>[]): boolean {
  for (const r of rows) {
    const id = num(r.id);
    if (optNum(r.b) !== null && log.tables.get(id)?.begin === num(r.a)) log.tables.delete(id);
  }
  for (const r of rows) {
    if (optNum(r.b) !== null) continue;
    const schemaId = num(r.schema_id);
    if (!log.schemas.has(schemaId)) return false;
    log.tables.set(num(r.id), { uuid: String(r.txt), begin: num(r.a), schemaId, name: String(r.name) });
  }
  return true;
}

/** The kinds of `changes_made`'s `kind:value` entries. */
function changeKinds(text: string): string[] {
  return changeEntries(text)
    .filter((e) => e.hasValue && e.kind !== '')
    .map((e) => e.kind);
}

/** The values of `changes_made`'s `kind:value` entries (commas inside quotes belong to names). */
function changeValues(text: string): string[] {
  return changeEntries(text)
    .filter((e) => e.hasValue)
    .map((e) => e.value);
}
