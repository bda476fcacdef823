import { quoteIdentifier, quoteLiteral, type DuckDBSession } from '../lake/duckdb';

export interface FooterSummary {
  rowGroups: number;
  rows: number;
  /** Largest uncompressed column chunk (bytes) per top-level column name: a string longer than that cannot be in it. */
  maxChunkBytes: Map<string, number>;
}

const list = (files: readonly string[]) => `[${files.map(quoteLiteral).join(', ')}]`;

/** Row groups, rows and chunk sizes from the Parquet footers only (`parquet_metadata`), no data pages. */
export async function readFooters(session: DuckDBSession, files: readonly string[]): Promise<FooterSummary> {
  if (files.length === 0) return { rowGroups: 0, rows: 0, maxChunkBytes: new Map() };
  const [groups] = await session.all<{ row_groups: bigint; rows: bigint | null }>(
    `SELECT count(*) AS row_groups, sum(n) AS rows FROM (
       SELECT DISTINCT file_name, row_group_id, row_group_num_rows AS n FROM parquet_metadata(${list(files)}))`,
  );
  const chunks = await session.all<{ path_in_schema: string; bytes: bigint }>(
    `SELECT path_in_schema, max(total_uncompressed_size) AS bytes FROM parquet_metadata(${list(files)})
     GROUP BY path_in_schema`,
  );
  return {
    rowGroups: Number(groups?.row_groups ?? 0n),
    rows: Number(groups?.rows ?? 0n),
    maxChunkBytes: new Map(chunks.map((c) => [c.path_in_schema, Number(c.bytes)])),
  };
}

/** The one data read, only for columns the footers or stats could not clear: longest string, in characters. */
export async function longestString(session: DuckDBSession, files: readonly string[], column: string): Promise<number> {
  const [row] = await session.all<{ n: bigint | null }>(
    `SELECT max(length(${quoteIdentifier(column)})) AS n FROM read_parquet(${list(files)}, union_by_name = true)`,
  );
  return Number(row?.n ?? 0n);
}

/** NaN count of one float column, for files whose catalog stats do not say. */
export async function nanCount(session: DuckDBSession, files: readonly string[], column: string): Promise<number> {
  const [row] = await session.all<{ n: bigint }>(
    `SELECT count(*) FILTER (WHERE isnan(${quoteIdentifier(column)})) AS n
     FROM read_parquet(${list(files)}, union_by_name = true)`,
  );
  return Number(row?.n ?? 0n);
}
