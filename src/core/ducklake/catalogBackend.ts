import { quoteIdentifier, quoteLiteral, type DuckDBSession } from '../lake/duckdb';

/**
 * Where CatalogReader's queries run: the catalog's own tables, read-only.
 * The SQL is the common part of DuckDB's and SQLite's dialects; what differs
 * (qualified table names, timestamps to epoch ms, a list of ids as rows, the
 * list of tables) is asked of the backend.
 */
export interface CatalogBackend {
  all<T extends Record<string, unknown>>(sql: string): Promise<T[]>;
  /**
   * The rows as arrays of values in select order, without an object per row: for the reads of one row per
   * file (10k files, 50k stats rows), whose row objects were much of an export's garbage. Optional.
   */
  values?(sql: string): Promise<unknown[][]>;
  /**
   * Hands each row (values in select order) to `onRow` as it is read, keeping none: for reads whose rows
   * are used once and dropped (a first export's stats rows). Optional.
   */
  each?(sql: string, onRow: (row: unknown[]) => void): Promise<void>;
  /** A FROM-clause expression for one catalog table, e.g. `ducklake_data_file`. */
  table(name: string): string;
  /** Epoch milliseconds (an integer) of a TIMESTAMPTZ column expression. */
  epochMs(expr: string): string;
  /** A FROM-clause expression with one BIGINT column `file_id`, one row per id. */
  idRows(ids: readonly number[]): string;
  /**
   * True where rows have SQLite rowids in the order they were inserted (a SQLite catalog read by
   * SQLite): the reader may then find rows appended after a point by rowid instead of scanning.
   */
  readonly insertionRowids?: boolean;
  /**
   * A SQLite catalog only: runs one query in SQLite's own dialect, against bare table names, inside
   * SQLite in one go. Through DuckDB's sqlite_scanner every table a statement names costs a scan's
   * set-up (≈ 1.3 ms each, however few its rows); handed to SQLite whole (`sqlite_query`) a small
   * query costs one. Timestamps come back as DuckLake stores them (text).
   */
  readonly sqlite?: (sql: string) => Promise<Record<string, unknown>[]>;
  /** Names of the catalog's tables (inlined-data tables come and go). */
  tableNames(): Promise<Set<string>>;
  close(): Promise<void>;
}

/**
 * A catalog's metadata database attached to a DuckDB connection, queried through it. This one is
 * someone else's attach (a run's `__ducklake_metadata_<alias>`) and is never detached here.
 */
export class AttachedCatalogBackend implements CatalogBackend {
  readonly sqlite?: (sql: string) => Promise<Record<string, unknown>[]>;

  /** `isSqlite`: the attached database is a SQLite file (through sqlite_scanner), so `sqlite` is offered. */
  constructor(
    private readonly query: (sql: string) => Promise<Record<string, unknown>[]>,
    readonly alias: string,
    isSqlite = false,
  ) {
    if (isSqlite)
      this.sqlite = (sql) => this.query(`SELECT * FROM sqlite_query(${quoteLiteral(alias)}, ${quoteLiteral(sql)})`);
  }

  async all<T extends Record<string, unknown>>(sql: string): Promise<T[]> {
    return (await this.query(sql)) as T[];
  }

  table(name: string): string {
    return `${quoteIdentifier(this.alias)}.${quoteIdentifier(name)}`;
  }

  epochMs(expr: string): string {
    return `epoch_ms(${expr}::TIMESTAMPTZ)`;
  }

  idRows(ids: readonly number[]): string {
    return `(SELECT unnest([${ids.join(', ')}]::BIGINT[]) AS file_id)`;
  }

  async tableNames(): Promise<Set<string>> {
    const rows = await this.query(
      `SELECT table_name FROM duckdb_tables() WHERE database_name = ${quoteLiteral(this.alias)}`,
    );
    return new Set(rows.map((r) => String(r.table_name)));
  }

  async close(): Promise<void> {
    // Not ours to detach.
  }
}

/** The catalog this reader attached to a DuckDB session (a DuckDB-file catalog, PostgreSQL, or SQLite through sqlite_scanner). */
export class DuckDBCatalogBackend extends AttachedCatalogBackend {
  constructor(
    readonly session: DuckDBSession,
    alias: string,
  ) {
    super((sql) => session.all(sql), alias);
  }

  override async close(): Promise<void> {
    await this.session.run(`DETACH ${quoteIdentifier(this.alias)}`).catch(() => undefined);
  }
}
