import type { DuckDBConnection } from '@duckdb/node-api';
import { CancelledError } from '../../errors';
import type { DuckDBSession } from '../../lake/duckdb';
import { quoteName } from '../relation';
import { asSubquery } from '../materializations/transaction';
import type { SqlExecutor } from '../sql-executor';

/** An in-memory database of the run's DuckDB instance, seen by every connection of it (temp tables are not). */
export const STAGE_DATABASE = '__lakehouse_stage';

export interface ComputePoolOptions {
  /** The run's own connection, set up (opened on first use). */
  executor: SqlExecutor;
  /** The run's session, once the executor has opened it. */
  session: () => Promise<DuckDBSession>;
  /** The profile's SET statements (given the session), replayed on each worker connection. */
  settings: (session: DuckDBSession) => string[];
  signal?: AbortSignal;
  /** Sees each compute start and end (tests count how many ran at once). */
  onCompute?: (event: 'start' | 'end', node: string) => void | Promise<void>;
}

/**
 * Worker connections that compute a model's rows into a staging table: a
 * read-only query of the lake plus a write to the in-memory stage database, so
 * no DuckLake write transaction is open while it runs. Each worker replays the
 * run connection's settings and its current database and schema.
 */
export class ComputePool {
  private readonly idle: DuckDBConnection[] = [];
  private readonly all: DuckDBConnection[] = [];
  private opening: Promise<{ session: DuckDBSession; setup: string[] }> | undefined;
  private next = 0;

  constructor(private readonly options: ComputePoolOptions) {}

  /** Computes `sql` into a new staging table; returns the SELECT of its rows. */
  async compute(node: string, identifier: string, sql: string): Promise<{ select: string; table: string }> {
    const connection = await this.take();
    const table = `${quoteName(STAGE_DATABASE)}.main.${quoteName(`${++this.next}_${identifier}`)}`;
    const onAbort = () => connection.interrupt();
    this.options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await this.options.onCompute?.('start', node);
      if (this.options.signal?.aborted) throw new CancelledError('Model run');
      await connection.run(`CREATE TABLE ${table} AS ${asSubquery(sql)}`);
      return { select: `select * from ${table}`, table };
    } catch (error) {
      if (this.options.signal?.aborted) throw new CancelledError('Model run');
      throw error;
    } finally {
      void this.options.onCompute?.('end', node);
      this.options.signal?.removeEventListener('abort', onAbort);
      this.idle.push(connection);
    }
  }

  /** Drops a staging table once its rows are applied (or failed to be). */
  async drop(table: string): Promise<void> {
    const connection = await this.take();
    try {
      await connection.run(`DROP TABLE IF EXISTS ${table}`);
    } finally {
      this.idle.push(connection);
    }
  }

  /**
   * Reads the run connection's database, schema and search path and attaches the stage database.
   * Called on the run's connection's turn (it must not be used by two jobs at once), before any compute.
   */
  async prepare(): Promise<void> {
    this.opening ??= this.open();
    await this.opening;
  }

  /** Closes the workers and drops the stage database (with any table a cancel left). */
  async close(): Promise<void> {
    if (!this.opening) return;
    const opened = await this.opening.catch(() => undefined);
    const connection = this.idle.pop() ?? (opened ? await opened.session.connect() : undefined);
    await connection?.run(`DETACH DATABASE IF EXISTS ${quoteName(STAGE_DATABASE)}`).catch(() => undefined);
    if (connection && !this.all.includes(connection)) connection.closeSync();
    for (const worker of this.all) worker.closeSync();
    this.all.length = 0;
    this.idle.length = 0;
  }

  private async take(): Promise<DuckDBConnection> {
    const free = this.idle.pop();
    if (free) return free;
    if (!this.opening) throw new Error('ComputePool.prepare() must run before the first compute');
    const { session, setup } = await this.opening;
    const connection = await session.connect();
    this.all.push(connection);
    for (const statement of setup) await connection.run(statement);
    return connection;
  }

  private async open(): Promise<{ session: DuckDBSession; setup: string[] }> {
    const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
    // The run's connection as it is now (after on-run-start hooks): names in model SQL resolve the same way.
    const [where] = await this.options.executor.rows<{ db: string; schema: string; path: string }>(
      "SELECT current_database() AS db, current_schema() AS schema, current_setting('search_path') AS path",
    );
    const session = await this.options.session();
    const first = await session.connect();
    this.all.push(first);
    await first.run(`ATTACH IF NOT EXISTS ':memory:' AS ${quoteName(STAGE_DATABASE)}`);
    const setup = this.options.settings(session);
    if (where) {
      setup.push(`USE ${quoteName(where.db)}.${quoteName(where.schema)}`);
      if (where.path) setup.push(`SET search_path = ${literal(where.path)}`);
    }
    for (const statement of setup) await first.run(statement);
    this.idle.push(first);
    return { session, setup };
  }
}
