import { CancelledError } from '../errors';
import { throwIfCancelled } from '../util/progress';
import type { DuckDBSession } from '../lake/duckdb';
import { makeQueryTable, type QueryTable } from './jinja/query-result';

/**
 * The runner's view of DuckDB: statements, queries with column names (for
 * `run_query`, which needs them even for empty results) and a log of what
 * ran. Cancellation interrupts the running statement.
 */
export class SqlExecutor {
  readonly statements: string[] = [];
  /** Team mode: a statement run right after each BEGIN (the commit's author), a wait before each COMMIT (tests). */
  transactionHooks?: { afterBegin?: string; beforeCommit?: () => Promise<void> };

  constructor(
    private readonly session: DuckDBSession,
    private readonly signal?: AbortSignal,
  ) {}

  /** Runs SQL (one or more statements); returns the row count DuckDB reports for DML/CTAS, if any. */
  async run(sql: string): Promise<number | undefined> {
    if (sql === 'COMMIT') await this.transactionHooks?.beforeCommit?.();
    const count = await this.runOne(sql);
    if (sql === 'BEGIN TRANSACTION' && this.transactionHooks?.afterBegin)
      await this.runOne(this.transactionHooks.afterBegin);
    return count;
  }

  private async runOne(sql: string): Promise<number | undefined> {
    this.statements.push(sql);
    const reader = await this.guard(() => this.session.connection.runAndReadAll(sql));
    const names = reader.columnNames();
    if (names.length === 1 && names[0] === 'Count') {
      const rows = reader.getRowObjectsJS();
      const count = rows[0]?.Count;
      if (typeof count === 'bigint' || typeof count === 'number') return Number(count);
    }
    return undefined;
  }

  async query(sql: string): Promise<QueryTable> {
    this.statements.push(sql);
    const reader = await this.guard(() => this.session.connection.runAndReadAll(sql));
    return makeQueryTable(reader.columnNames(), reader.getRowObjectsJS() as Record<string, unknown>[]);
  }

  async rows<T extends Record<string, unknown>>(sql: string): Promise<T[]> {
    const reader = await this.guard(() => this.session.connection.runAndReadAll(sql));
    return reader.getRowObjectsJS() as T[];
  }

  /** Ends a failed transaction; runs even after a cancel (the interrupt left the transaction open). */
  async rollback(): Promise<void> {
    try {
      await this.session.connection.run('ROLLBACK');
    } catch {
      // No transaction open (DuckDB already aborted it): nothing to undo.
    }
  }

  throwIfCancelled(): void {
    throwIfCancelled(this.signal, 'Model run');
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    this.throwIfCancelled();
    const onAbort = () => this.session.interrupt();
    this.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await work();
    } catch (error) {
      if (this.signal?.aborted) throw new CancelledError('Model run');
      throw error;
    } finally {
      this.signal?.removeEventListener('abort', onAbort);
    }
  }
}
