import { runReadingRows } from '../lake/duckdb';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';

/** Rows as arrays of DuckDB's JS values (VARCHAR → string, NULL → null). */
export async function rowsOf(conn: DuckDBConnection, sql: string): Promise<DuckDBValue[][]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRows();
}

/** Rows as plain objects (BIGINT as bigint). */
export async function objectsOf<T>(conn: DuckDBConnection, sql: string): Promise<T[]> {
  return (await runReadingRows(conn, sql)).rows as T[];
}

export function asText(value: DuckDBValue | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : String(value);
}

export function asNumber(value: DuckDBValue | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'bigint' ? Number(value) : Number(value);
}
