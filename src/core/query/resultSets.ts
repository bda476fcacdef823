import { randomBytes } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LakehouseError } from '../errors';
import { quoteIdentifier } from '../lake/duckdb';
import { asNumber, asText, objectsOf, rowsOf } from './duckdbRows';
import { duckdbErrorInfo, queryErrorFrom, ResultGoneError } from './errors';
import { orderSql, renderedColumns, whereSql } from './relationSql';
import { columnDisplay } from './render';
import { splitStatements } from './sqlText';
import type { ColumnFilter, ColumnInfo, Page, PageRequest, SortKey } from './types';

/** The in-memory database holding every result table (shared by the engine's connections). */
export const RESULTS_DB = 'lakehouse_results';

/** Results held at once; the oldest is released beyond it (a panel that never disposed its result). */
export const MAX_RESULTS = 64;

/** A page never carries more rows than this, whatever the caller asks. */
export const MAX_PAGE_ROWS = 10_000;

/** DuckDB's statement type for SELECT (duckdb_statement_type in the C API). */
const STATEMENT_SELECT = 1;

export interface HeldResult {
  id: string;
  /** Qualified name of the result table; its rowid is the original row order. */
  table: string;
  columns: ColumnInfo[];
  rowCount: number;
  /** The last sorted/filtered copy (paging it is a rowid range scan). */
  view?: { key: string; table: string; rows: number };
  lock: Promise<unknown>;
}

export interface CreatedResult {
  resultId: string;
  columns: ColumnInfo[];
  rowCount: number;
  elapsedMs: number;
  statementOnly?: boolean;
}

/**
 * Results kept inside DuckDB: one table per result, made from the user's SQL
 * by the engine; pages, sorts and filters re-query it. Callers only ever get
 * pages of exact text.
 */
export class ResultSets {
  private readonly held = new Map<string, HeldResult>();
  private readonly prefix = randomBytes(4).toString('hex');
  private seq = 0;

  static async prepare(conn: DuckDBConnection): Promise<void> {
    await conn.run(`ATTACH IF NOT EXISTS ':memory:' AS ${RESULTS_DB}`);
  }

  get size(): number {
    return this.held.size;
  }

  /**
   * Runs the user's SQL on `conn` (whose default catalog is the target).
   * Every statement runs; the last one, when it is a query, becomes the
   * result table. Parse and bind errors carry their position in `sql`.
   */
  async create(conn: DuckDBConnection, sql: string): Promise<CreatedResult> {
    const fail = (error: unknown, offset = 0): never => {
      throw queryErrorFrom(duckdbErrorInfo(error, offset, sql.length));
    };
    const extracted = await conn.extractStatements(sql).catch(fail);
    const count = extracted.count;
    if (count === 0) throw new LakehouseError('usage', 'There is no SQL to run.');
    const started = performance.now();
    for (let i = 0; i < count - 1; i++) {
      const prepared = await extracted.prepare(i).catch(fail);
      await prepared.run().catch(fail);
    }
    const last = await extracted.prepare(count - 1).catch(fail);
    if (last.statementType !== STATEMENT_SELECT) {
      await last.run().catch(fail);
      return { resultId: '', columns: [], rowCount: 0, elapsedMs: performance.now() - started, statementOnly: true };
    }
    last.destroySync();
    const texts = splitStatements(sql);
    const statement = texts.length === count ? texts[count - 1]! : undefined;
    if (!statement)
      throw new LakehouseError(
        'query-failed',
        'Could not tell where the last statement starts; run it on its own.',
        'Separate statements with semicolons outside quotes and comments.',
      );
    const id = `${this.prefix}_${++this.seq}`;
    const table = `${RESULTS_DB}.main.${quoteIdentifier(`r_${id}`)}`;
    const head = `CREATE TABLE ${table} AS `;
    // CREATE TABLE AS answers with the number of rows it inserted.
    let inserted: unknown;
    try {
      inserted = (await rowsOf(conn, `${head}${statement.text}\n`))[0]?.[0];
    } catch (error) {
      // DESCRIBE/SHOW/SUMMARIZE are queries CTAS cannot take directly; FROM (…) can.
      if (!/Parser/.test(String((error as Error).message))) fail(error, statement.start - head.length);
      const wrapped = `${head}SELECT * FROM (`;
      inserted = (
        await rowsOf(conn, `${wrapped}${statement.text}\n)`).catch((e: unknown) =>
          fail(e, statement.start - wrapped.length),
        )
      )[0]?.[0];
    }
    const elapsedMs = performance.now() - started;
    const columns = (
      await objectsOf<{ name: string; type: string }>(
        conn,
        // DESCRIBE binds just this table; duckdb_columns() would walk every attached catalog.
        `SELECT column_name AS name, column_type AS type FROM (DESCRIBE ${table})`,
      )
    ).map((c) => ({ name: c.name, type: c.type, display: columnDisplay(c.type) }));
    const rowCount =
      typeof inserted === 'bigint' || typeof inserted === 'number'
        ? Number(inserted)
        : Number(((await rowsOf(conn, `SELECT count(*) FROM ${table}`)) as [[bigint]])[0][0]);
    this.held.set(id, { id, table, columns, rowCount, lock: Promise.resolve() });
    for (const oldest of this.held.keys()) {
      if (this.held.size <= MAX_RESULTS) break;
      await this.dispose(conn, oldest);
    }
    return { resultId: id, columns, rowCount, elapsedMs };
  }

  get(resultId: string): HeldResult {
    const held = this.held.get(resultId);
    if (!held) throw new ResultGoneError(resultId);
    return held;
  }

  async page(conn: DuckDBConnection, resultId: string, request: PageRequest): Promise<Page> {
    const held = this.get(resultId);
    const { table, rows } = await this.relation(conn, held, request.sort, request.filters);
    const offset = Math.max(0, Math.floor(request.offset));
    const limit = Math.min(MAX_PAGE_ROWS, Math.max(0, Math.floor(request.limit)));
    if (limit === 0 || offset >= rows) return { offset, rows: [], totalRows: rows };
    // rowid is dense in a table made by CREATE TABLE AS: a page is a range scan, not a sort.
    const values = await rowsOf(
      conn,
      `SELECT ${renderedColumns(held.columns)} FROM ${table} WHERE rowid >= ${offset} AND rowid < ${offset + limit} ORDER BY rowid`,
    );
    return { offset, rows: values.map((r) => r.map(asText)), totalRows: rows };
  }

  /** The relation pages read: the result itself, or its sorted/filtered copy (made once per sort+filter). */
  async relation(
    conn: DuckDBConnection,
    held: HeldResult,
    sort: readonly SortKey[] = [],
    filters: readonly ColumnFilter[] = [],
  ): Promise<{ table: string; rows: number }> {
    if (sort.length === 0 && filters.length === 0) return { table: held.table, rows: held.rowCount };
    const key = JSON.stringify({ sort, filters });
    const where = whereSql(held.columns, filters);
    const order = orderSql(held.columns, sort);
    const work = held.lock.then(async () => {
      if (held.view?.key === key) return held.view;
      const view = `${RESULTS_DB}.main.${quoteIdentifier(`v_${held.id}`)}`;
      await conn.run(`CREATE OR REPLACE TABLE ${view} AS SELECT * FROM ${held.table} ${where} ${order}`);
      const [[n]] = (await rowsOf(conn, `SELECT count(*) FROM ${view}`)) as [[bigint]];
      held.view = { key, table: view, rows: Number(n) };
      return held.view;
    });
    held.lock = work.catch(() => undefined);
    const view = await work;
    return { table: view.table, rows: view.rows };
  }

  async dispose(conn: DuckDBConnection, resultId: string): Promise<void> {
    const held = this.held.get(resultId);
    if (!held) return;
    this.held.delete(resultId);
    await conn.run(`DROP TABLE IF EXISTS ${held.table}`);
    await conn.run(`DROP TABLE IF EXISTS ${RESULTS_DB}.main.${quoteIdentifier(`v_${held.id}`)}`);
  }

  /** Forgets every result (their tables go with the engine). */
  clear(): void {
    this.held.clear();
  }
}

export { asNumber };
