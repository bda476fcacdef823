import { EMPTY_TABLE, type QueryTable } from './query-result';

/**
 * Lets `run_query()` look synchronous to a template although DuckDB answers
 * asynchronously. nunjucks cannot wait inside an expression, so a template
 * that queries is rendered more than once: each pass replays the answers
 * already fetched, in call order; the first query without an answer is
 * recorded and gets an empty table; the renderer then runs that one query
 * and renders again. Only the first unanswered query runs per pass, so a
 * query built from an earlier query's (placeholder) result never runs with
 * the placeholder.
 */
export class QueryReplay {
  private readonly answered: Array<{ sql: string; table: QueryTable }> = [];
  private cursor = 0;
  private pendingSql: string | undefined;
  private pendingPosition = 0;

  /** Starts a render pass. */
  beginPass(): void {
    this.cursor = 0;
    this.pendingSql = undefined;
  }

  /** The answer for the next query of this pass, or an empty table (and the query is recorded). */
  answer(sql: string): QueryTable {
    const position = this.cursor++;
    const known = this.answered[position];
    if (known && known.sql === sql) return known.table;
    if (this.pendingSql === undefined) {
      this.pendingSql = sql;
      this.pendingPosition = position;
    }
    return EMPTY_TABLE;
  }

  /** The query the last pass needed and did not have. */
  get pending(): string | undefined {
    return this.pendingSql;
  }

  /** Records the answer to the pending query; the next pass sees it at its position. */
  resolve(table: QueryTable): void {
    if (this.pendingSql === undefined) return;
    // Answers after a position where this pass diverged no longer apply.
    this.answered.length = this.pendingPosition;
    this.answered.push({ sql: this.pendingSql, table });
    this.pendingSql = undefined;
  }

  get count(): number {
    return this.answered.length;
  }
}
