import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LakehouseError } from '../errors';
import { quoteLiteral } from '../lake/duckdb';
import { rowsOf } from './duckdbRows';
import { orderSql, whereSql } from './relationSql';
import type { HeldResult } from './resultSets';
import type { ExportRequest, ExportResult } from './types';

const FORMAT_OPTIONS: Record<ExportRequest['format'], string> = {
  csv: 'FORMAT csv, HEADER true',
  parquet: 'FORMAT parquet',
  json: 'FORMAT json',
};

/**
 * Writes the FULL result (with the grid's sort and filters) through DuckDB's
 * COPY, with the original column types; progress is DuckDB's rows processed,
 * polled while COPY runs, and cancel interrupts the connection.
 */
export async function exportResult(
  conn: DuckDBConnection,
  held: HeldResult,
  request: ExportRequest,
  onProgress?: (rows: number) => void,
): Promise<ExportResult> {
  if (!isAbsolute(request.path))
    throw new LakehouseError('usage', `Export needs an absolute file path, not '${request.path}'.`);
  const options = FORMAT_OPTIONS[request.format];
  if (!options) throw new LakehouseError('usage', `Unknown export format '${String(request.format)}'.`);
  const query = `SELECT * FROM ${held.table} ${whereSql(held.columns, request.filters)} ${orderSql(held.columns, request.sort)}`;
  await conn.run('SET enable_progress_bar = true; SET enable_progress_bar_print = false');
  let last = -1;
  const timer = onProgress
    ? setInterval(() => {
        const rows = Number(conn.progress.rows_processed);
        if (rows >= 0 && rows !== last) onProgress((last = Math.min(rows, held.rowCount)));
      }, 200)
    : undefined;
  // Written beside the target and renamed when complete: a cancelled or failed export leaves no partial file.
  const partial = join(dirname(request.path), `.${basename(request.path)}.${randomBytes(4).toString('hex')}.partial`);
  try {
    const [[count]] = (await rowsOf(conn, `COPY (${query}) TO ${quoteLiteral(partial)} (${options})`)) as [[bigint]];
    await rename(partial, request.path);
    const rows = Number(count);
    onProgress?.(rows);
    return { rows, bytes: (await stat(request.path)).size, path: request.path };
  } finally {
    if (timer) clearInterval(timer);
    await rm(partial, { force: true, recursive: true });
  }
}
