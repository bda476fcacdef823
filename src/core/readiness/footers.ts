import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { parquetMetadata } from 'hyparquet';
import { quoteIdentifier, quoteLiteral, type DuckDBSession } from '../lake/duckdb';
import type { FileFooter, FooterCache } from './footerCache';

export interface FooterSummary {
  rowGroups: number;
  rows: number;
  /** Largest uncompressed column chunk (bytes) per top-level column name: a string longer than that cannot be in it. */
  maxChunkBytes: Map<string, number>;
}

const list = (files: readonly string[]) => `[${files.map(quoteLiteral).join(', ')}]`;

/**
 * Row groups, rows and chunk sizes from the Parquet footers only, no data pages: read in JS (hyparquet,
 * a small pure-JS Parquet reader) so the readiness gate does not load DuckDB just for footers. With a
 * cache, a file whose summary it holds (same size, modification time and inode) is not opened.
 */
export async function readFooters(files: readonly string[], cache?: FooterCache): Promise<FooterSummary> {
  let rowGroups = 0;
  let rows = 0;
  const maxChunkBytes = new Map<string, number>();
  for (const file of files) {
    const stats = cache ? statSync(file) : undefined;
    let footer = stats && cache?.get(file, stats);
    if (!footer) {
      footer = readFooter(file);
      if (stats) cache?.set(file, stats, footer);
    }
    rowGroups += footer.rowGroups;
    rows += footer.rows;
    for (const [path, bytes] of Object.entries(footer.maxChunkBytes))
      maxChunkBytes.set(path, Math.max(maxChunkBytes.get(path) ?? 0, bytes));
  }
  return { rowGroups, rows, maxChunkBytes };
}

/** One file's footer summary. */
export function readFooter(file: string): FileFooter {
  const metadata = parquetMetadata(fileTail(file));
  let rows = 0;
  const maxChunkBytes: Record<string, number> = Object.create(null) as Record<string, number>; // a column may be named __proto__
  for (const group of metadata.row_groups) {
    rows += Number(group.num_rows);
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (!meta) continue;
      // Named as DuckDB's parquet_metadata names it: the path joined with ', '.
      const path = meta.path_in_schema.join(', ');
      maxChunkBytes[path] = Math.max(maxChunkBytes[path] ?? 0, Number(meta.total_uncompressed_size));
    }
  }
  return { rowGroups: metadata.row_groups.length, rows, maxChunkBytes };
}

/**
 * The end of a Parquet file holding its footer (metadata, its length, `PAR1`): one read of the last
 * 64 KiB, a second only for a bigger footer. hyparquet parses the footer from the tail alone; reading
 * it synchronously was ~5× faster than its async file reader for a thousand small files.
 */
function fileTail(file: string): ArrayBuffer {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    let want = Math.min(size, 64 * 1024);
    for (;;) {
      const bytes = Buffer.alloc(want);
      readSync(fd, bytes, 0, want, size - want);
      const footer = want >= 8 ? bytes.readUInt32LE(want - 8) : 0;
      if (footer + 8 <= want || want === size) return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + want);
      want = Math.min(size, footer + 8);
    }
  } finally {
    closeSync(fd);
  }
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
