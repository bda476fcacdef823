import type { DuckDBConnection } from '@duckdb/node-api';
import { CancelledError } from '../errors';
import { runReadingRows } from '../lake/duckdb';
import { throwIfCancelled } from '../util/progress';
import { makeQueryTable, type QueryTable } from './jinja/query-result';

/** Called with every statement a node (or a project hook, `node` undefined) sends; the bench's floor replays them. */
export type StatementListener = (sql: string, node: string | undefined) => void;

/**
 * The runner's view of one DuckDB connection: statements, queries with column
 * names (for `run_query`, which needs them even for empty results) and the
 * last statement sent (for error messages). Cancellation interrupts the
 * running statement. Keeps no history: a long run must not grow with it.
 */
export class SqlExecutor {
  /** The last statement sent through run() or query(). */
  lastStatement = '';
  /** How many statements of the project's SQL (run() and query(), not rows()) were sent: anything may have changed since. */
  statementsSent = 0;
  /** How many of those could have defined a function (CREATE MACRO/FUNCTION, ATTACH, IMPORT, LOAD/INSTALL): the session's own functions are listed again only then. */
  definitionsSent = 0;
  /**
   * How many statements could have changed this connection's own state (SET, USE, PRAGMA, a temp
   * table, view or macro other than the runner's own staging tables): a worker connection of a
   * parallel run would not see it, so from then on models are computed here.
   */
  connectionStateSent = 0;
  /** The node whose statements these are, for the statement listener. */
  node: string | undefined;
  /** Team mode: a statement run right after each BEGIN (the commit's author), a wait before each COMMIT (tests). */
  transactionHooks?: { afterBegin?: string; beforeCommit?: () => Promise<void> };

  private connection: DuckDBConnection | undefined;
  private connecting: Promise<DuckDBConnection> | undefined;

  /**
   * `connection` may be a function that opens (and sets up) one on first use: a run whose every node
   * is skipped as unchanged then never opens DuckDB.
   */
  constructor(
    connection: DuckDBConnection | (() => Promise<DuckDBConnection>),
    private readonly signal?: AbortSignal,
    private readonly onStatement?: StatementListener,
  ) {
    if (typeof connection === 'function') this.open = connection;
    else this.connection = connection;
  }

  private readonly open: (() => Promise<DuckDBConnection>) | undefined;

  /** Whether a connection was asked for (and so DuckDB opened, or is being opened). */
  get opened(): boolean {
    return this.connection !== undefined || this.connecting !== undefined;
  }

  private connect(): Promise<DuckDBConnection> {
    if (this.connection) return Promise.resolve(this.connection);
    this.connecting ??= this.open!().then((c) => (this.connection = c));
    return this.connecting;
  }

  /** Runs SQL (one or more statements); returns the row count DuckDB reports for DML/CTAS, if any. */
  async run(sql: string): Promise<number | undefined> {
    if (sql === 'COMMIT') await this.transactionHooks?.beforeCommit?.();
    const count = await this.runOne(sql);
    if (sql === 'BEGIN TRANSACTION' && this.transactionHooks?.afterBegin)
      await this.runOne(this.transactionHooks.afterBegin);
    return count;
  }

  private async runOne(sql: string): Promise<number | undefined> {
    this.sent(sql);
    const { columnNames: names, rows } = await this.guard((c) => runReadingRows(c, sql));
    if (names.length === 1 && names[0] === 'Count') {
      const count = rows[0]?.Count;
      if (typeof count === 'bigint' || typeof count === 'number') return Number(count);
    }
    return undefined;
  }

  /**
   * `readOnly`: a single SELECT of the project's that cannot write (a data test's failure count), so
   * what was read of the catalog before it still holds; it is still reported to the listener.
   */
  async query(sql: string, readOnly = false): Promise<QueryTable> {
    this.sent(sql, readOnly);
    const { columnNames, rows } = await this.guard((c) => runReadingRows(c, sql));
    return makeQueryTable(columnNames, rows);
  }

  /** The runner's own introspection (not the project's SQL): not reported to the listener. */
  async rows<T extends Record<string, unknown>>(sql: string): Promise<T[]> {
    return (await this.guard((c) => runReadingRows(c, sql))).rows as T[];
  }

  /** Ends a failed transaction; runs even after a cancel (the interrupt left the transaction open). */
  async rollback(): Promise<void> {
    if (!this.connection) return;
    // What the transaction wrote is gone: whatever was read since it began is stale.
    this.statementsSent++;
    try {
      await this.connection.run('ROLLBACK');
    } catch {
      // No transaction open (DuckDB already aborted it): nothing to undo.
    }
  }

  throwIfCancelled(): void {
    throwIfCancelled(this.signal, 'Model run');
  }

  private sent(sql: string, readOnly = false): void {
    if (!readOnly) this.statementsSent++;
    if (/\b(?:macro|function|attach|import)\b/i.test(sql) || loadsExtension(sql)) this.definitionsSent++;
    if (changesConnectionState(sql)) this.connectionStateSent++;
    this.lastStatement = sql;
    this.onStatement?.(sql, this.node);
  }

  private async guard<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    this.throwIfCancelled();
    const connection = await this.connect();
    this.throwIfCancelled();
    const onAbort = () => connection.interrupt();
    this.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await work(connection);
    } catch (error) {
      if (this.signal?.aborted) throw new CancelledError('Model run');
      throw error;
    } finally {
      this.signal?.removeEventListener('abort', onAbort);
    }
  }
}

const CONNECTION_STATE =
  /(?:^|;)\s*(?:(?:SET|RESET|USE|PRAGMA)\b|CREATE\s+(?:OR\s+REPLACE\s+)?TEMP(?:ORARY)?\b(?![^;]*__dbt_(?:tmp|snapshot_)))/i;

/** A statement (of several, maybe) that starts with SET/RESET/USE/PRAGMA or creates a temp object not the runner's. */
export function changesConnectionState(sql: string): boolean {
  const code = sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  return CONNECTION_STATE.test(code);
}

const LOADS_EXTENSION = /(?:^|;)\s*(?:FORCE\s+)?(?:INSTALL|LOAD)\b/i;

/** A statement (of several, maybe) that installs or loads an extension, which may bring functions with it. */
export function loadsExtension(sql: string): boolean {
  return LOADS_EXTENSION.test(sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, ''));
}
