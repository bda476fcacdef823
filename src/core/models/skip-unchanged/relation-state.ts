import { AttachedCatalogBackend } from '../../ducklake/catalogBackend';
import { TableStateLog } from '../../ducklake/catalogReader';
import type { SqlExecutor } from '../sql-executor';
import type { TableRead } from './sql-reads';

/** Table states as they were read at one moment of a run (see RelationStates.capture). */
export interface CapturedStates {
  /** Per catalog (lower case), its states as read then. */
  catalogs: ReadonlyMap<string, Promise<Map<string, string>>>;
  /** The session's definitions count then: a name resolves as it did only while it is unchanged. */
  definitionsSent: number;
}

/**
 * The DuckLake state of tables, as the catalog records it: a table's uuid (new
 * on every CREATE OR REPLACE) and the last snapshot that changed it (its data
 * files, deletes, inlined rows, columns, or a change the snapshot log names it
 * in), with that snapshot's time — so a catalog pulled from elsewhere whose
 * snapshot ids happen to coincide still differs. Two equal states mean the
 * same rows.
 */
export class RelationStates {
  private defaults: { catalog: string; schema: string } | undefined;

  constructor(private readonly executor: SqlExecutor) {}

  /** The state of one table, or undefined when it is not a DuckLake table (a view, a plain DuckDB table, a missing one). */
  async stateOf(read: TableRead): Promise<string | undefined> {
    return (await this.resolvedStateOf(read))?.state;
  }

  /**
   * The state, and the full name the session resolved the read to (kept, so a later run can look it up
   * without DuckDB). With `at`, the state as captured then; a catalog not captured answers 'uncaptured'.
   */
  async resolvedStateOf(read: TableRead): Promise<{ name: TableRead; state: string } | undefined>;
  async resolvedStateOf(
    read: TableRead,
    at: CapturedStates,
  ): Promise<{ name: TableRead; state: string } | undefined | 'uncaptured'>;
  async resolvedStateOf(
    read: TableRead,
    at?: CapturedStates,
  ): Promise<{ name: TableRead; state: string } | undefined | 'uncaptured'> {
    const name = await this.resolve(read);
    if (!name || !(await this.isLake(name.catalog))) return undefined;
    const captured = at?.catalogs.get(name.catalog.toLowerCase());
    if (at && !captured) return 'uncaptured';
    const states = await (captured ?? this.catalogStates(name.catalog));
    const state = states.get(`${name.schema}.${name.table}`.toLowerCase());
    return state === undefined ? undefined : { name, state };
  }

  /**
   * Every DuckLake catalog's states as they are now, kept for answering later (each read is a map of its
   * own, never changed after). Costs nothing when they were read since the last statement.
   */
  async capture(): Promise<CapturedStates> {
    const definitionsSent = this.executor.definitionsSent;
    const catalogs = new Map<string, Promise<Map<string, string>>>();
    for (const catalog of (await this.lakeCatalogs()).keys()) catalogs.set(catalog, this.catalogStates(catalog));
    return { catalogs, definitionsSent };
  }

  private lakeList: { after: number; lakes: Promise<Map<string, { lake: true; sqliteMetadata: boolean }>> } | undefined;

  /**
   * The session's DuckLake catalogs (lower case), with whether each one's metadata database is SQLite
   * (DuckLake lists its own attach with the metadata path, `sqlite:…` for a SQLite catalog). One query,
   * listed again only after a statement that may have attached or detached one.
   */
  private lakeCatalogs(): Promise<Map<string, { lake: true; sqliteMetadata: boolean }>> {
    const after = this.executor.definitionsSent;
    if (this.lakeList?.after !== after) {
      const lakes = this.executor
        .rows<{ name: string; path: string | null }>(
          "SELECT lower(database_name) AS name, path FROM duckdb_databases() WHERE type = 'ducklake'",
        )
        .then(
          (rows) =>
            new Map(
              rows.map((r) => [
                String(r.name),
                { lake: true as const, sqliteMetadata: /^sqlite:/i.test(String(r.path ?? '')) },
              ]),
            ),
        );
      this.lakeList = { after, lakes };
      lakes.catch(() => (this.lakeList = undefined));
    }
    return this.lakeList.lakes;
  }

  /**
   * Forgets what was read: called after every node that ran (its hooks, run_query or
   * materialization may have written any table). A run where nothing runs reads the catalog once.
   */
  invalidate(): void {
    this.cached.clear();
  }

  private readonly cached = new Map<string, Promise<Map<string, string>>>();
  /** Per catalog, what was read last, so a read after a node reads only what the node changed. */
  private readonly logs = new Map<string, TableStateLog>();
  private readAfter = -1;

  private catalogStates(catalog: string): Promise<Map<string, string>> {
    // Any statement of the project's own SQL since the last read (a hook, run_query while compiling,
    // a materialization) may have written a table: read the catalog afresh.
    if (this.readAfter !== this.executor.statementsSent) this.invalidate();
    this.readAfter = this.executor.statementsSent;
    const key = catalog.toLowerCase();
    let states = this.cached.get(key);
    if (!states) {
      states = this.readStates(catalog);
      this.cached.set(key, states);
    }
    return states;
  }

  /** Every live table of one DuckLake catalog: `schema.table` (lower case) → state, read through the session. */
  private async readStates(catalog: string): Promise<Map<string, string>> {
    const key = catalog.toLowerCase();
    let log = this.logs.get(key);
    if (!log) this.logs.set(key, (log = new TableStateLog()));
    try {
      const { sqliteMetadata } = await this.kinds(catalog);
      return await log.read(
        new AttachedCatalogBackend((sql) => this.executor.rows(sql), `__ducklake_metadata_${catalog}`, sqliteMetadata),
      );
    } catch {
      // Unreadable (another DuckLake release's layout): no state, so every reader runs.
      return new Map();
    }
  }

  /** Fills in the session's default catalog and schema; a two-part name that could also be catalog.table is refused. */
  private async resolve(read: TableRead): Promise<{ catalog: string; schema: string; table: string } | undefined> {
    this.defaults ??= await this.executor
      .rows<{ c: string; s: string }>('SELECT current_database() AS c, current_schema() AS s')
      .then((r) => ({ catalog: String(r[0]!.c), schema: String(r[0]!.s) }));
    const defaults = this.defaults!;
    if (read.catalog) return { catalog: read.catalog, schema: read.schema || 'main', table: read.table };
    if (read.schema) {
      const catalogs = await this.executor.rows<{ n: bigint }>(
        `SELECT count(*) AS n FROM duckdb_databases() WHERE lower(database_name) = lower('${read.schema.replace(/'/g, "''")}')`,
      );
      if (Number(catalogs[0]?.n ?? 0) > 0) return undefined;
      return { catalog: defaults.catalog, schema: read.schema, table: read.table };
    }
    return { catalog: defaults.catalog, schema: defaults.schema, table: read.table };
  }

  private async isLake(catalog: string): Promise<boolean> {
    return (await this.kinds(catalog)).lake;
  }

  /** Whether a catalog is a DuckLake, and whether its metadata database is SQLite. */
  private async kinds(catalog: string): Promise<{ lake: boolean; sqliteMetadata: boolean }> {
    return (await this.lakeCatalogs()).get(catalog.toLowerCase()) ?? { lake: false, sqliteMetadata: false };
  }
}
