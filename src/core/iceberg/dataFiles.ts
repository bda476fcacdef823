import type { CatalogColumnStats } from '../ducklake/catalogReader';
import type { ColumnNode } from '../delta/schema';
import type { DataFileRecord, IntMapEntry } from './avroSchemas';
import { icebergBounds } from './bounds';
import type { IcebergField } from './schema';

export interface IcebergSourceFile {
  relativePath: string;
  recordCount: number;
  sizeBytes: number;
  fileId: number;
  stats: ReadonlyMap<number, CatalogColumnStats>;
}

/**
 * The manifest's data_file for one DuckLake Parquet file, with column
 * metrics for top-level primitive columns from DuckLake's own stats: value
 * counts (= the file's rows), null counts, NaN counts where DuckLake knows
 * there are none, and bounds. Nested fields get none (no per-leaf counts in
 * the catalog for repeated values).
 */
export function dataFileRecord(
  location: string,
  file: IcebergSourceFile,
  fields: readonly IcebergField[],
  columns: readonly ColumnNode[],
): DataFileRecord {
  const byId = new Map(columns.map((c) => [c.columnId, c]));
  const valueCounts: IntMapEntry<number>[] = [];
  const nullCounts: IntMapEntry<number>[] = [];
  const nanCounts: IntMapEntry<number>[] = [];
  const lower: IntMapEntry<Buffer>[] = [];
  const upper: IntMapEntry<Buffer>[] = [];
  for (const field of fields) {
    if (typeof field.type !== 'string') continue;
    const stats = file.stats.get(field.id);
    const column = byId.get(field.id);
    // A column added after the file was written has no stats for it: leave it to the reader (all null).
    if (!stats || !column) continue;
    valueCounts.push({ key: field.id, value: file.recordCount });
    if (stats.nullCount !== null && stats.nullCount >= 0) nullCounts.push({ key: field.id, value: stats.nullCount });
    if ((field.type === 'double' || field.type === 'float') && stats.containsNan === false)
      nanCounts.push({ key: field.id, value: 0 });
    if (stats.nullCount !== null && stats.nullCount >= file.recordCount) continue; // all null: no bounds
    const bounds = icebergBounds(field.type, column.type, stats);
    if (bounds.lower && bounds.upper) {
      lower.push({ key: field.id, value: Buffer.from(bounds.lower) });
      upper.push({ key: field.id, value: Buffer.from(bounds.upper) });
    } else if (bounds.lower) {
      lower.push({ key: field.id, value: Buffer.from(bounds.lower) });
    }
  }
  return {
    content: 0,
    file_path: `${location}/${file.relativePath}`,
    file_format: 'PARQUET',
    partition: {},
    record_count: file.recordCount,
    file_size_in_bytes: file.sizeBytes,
    column_sizes: null,
    value_counts: valueCounts.length ? valueCounts : null,
    null_value_counts: nullCounts.length ? nullCounts : null,
    nan_value_counts: nanCounts.length ? nanCounts : null,
    lower_bounds: lower.length ? lower : null,
    upper_bounds: upper.length ? upper : null,
    key_metadata: null,
    split_offsets: null,
    equality_ids: null,
    sort_order_id: null,
  };
}
