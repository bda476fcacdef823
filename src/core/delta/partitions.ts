import type { CatalogDataFile, CatalogPartitionSpec } from '../ducklake/catalogReader';
import type { ColumnNode } from './schema';
import { mapColumnType } from './schema';

export interface PartitionMapping {
  /** Delta partitionColumns, in DuckLake key order. */
  columns: string[];
  /** File id -> Delta partitionValues (empty objects when unpartitioned). */
  values: Map<number, Record<string, string | null>>;
  warnings: string[];
}

/**
 * Maps DuckLake identity partitions to Delta partition columns.
 *
 * DuckLake writes partition columns into the Parquet files as well, so a
 * table can always be exported unpartitioned; we partition only when it is
 * exact: identity transforms (year()/bucket() have no Delta equivalent), one
 * spec for every live file, and values Delta can serialise (an empty string
 * means NULL in Delta partition values, so '' cannot be told apart).
 */
export function mapPartitioning(
  spec: CatalogPartitionSpec | undefined,
  columns: readonly ColumnNode[],
  files: readonly CatalogDataFile[],
  fileValues: ReadonlyMap<number, ReadonlyMap<number, string | null>>,
): PartitionMapping {
  const unpartitioned = (warnings: string[]): PartitionMapping => ({
    columns: [],
    values: new Map(files.map((f) => [f.fileId, {}])),
    warnings,
  });
  if (!spec) return unpartitioned([]);

  const warnings: string[] = [];
  const transforms = spec.keys.filter((k) => k.transform !== 'identity');
  if (transforms.length) {
    const names = transforms.map(
      (k) => `${k.transform}(${columns.find((c) => c.columnId === k.columnId)?.name ?? `#${k.columnId}`})`,
    );
    warnings.push(
      `partition transforms ${names.join(', ')} have no Delta equivalent; those keys are not Delta partitions`,
    );
  }
  if (files.some((f) => f.partitionId !== spec.partitionId)) {
    return unpartitioned([...warnings, 'files were written under different partition specs; exported unpartitioned']);
  }

  const kept: { index: number; name: string; check: (v: string) => boolean }[] = [];
  for (const key of spec.keys.filter((k) => k.transform === 'identity')) {
    const column = columns.find((c) => c.columnId === key.columnId);
    const check = column && valueCheck(mapColumnType(column, column.name, []));
    if (!column || !check) {
      warnings.push(
        `partition column ${column?.name ?? `#${key.columnId}`} has a type Delta partition values cannot carry exactly; not a Delta partition`,
      );
      continue;
    }
    const bad = files.find((f) => {
      const values = fileValues.get(f.fileId);
      if (!values || !values.has(key.index)) return true;
      const value = values.get(key.index);
      return value !== null && value !== undefined && !check(value);
    });
    if (bad) {
      warnings.push(
        `partition column ${column.name} has values Delta cannot represent (such as an empty string); not a Delta partition`,
      );
      continue;
    }
    kept.push({ index: key.index, name: column.name, check });
  }
  if (kept.length === 0) return unpartitioned(warnings);

  const values = new Map<number, Record<string, string | null>>();
  for (const file of files) {
    const raw = fileValues.get(file.fileId)!;
    const record: Record<string, string | null> = {};
    for (const key of kept) record[key.name] = raw.get(key.index) ?? null;
    values.set(file.fileId, record);
  }
  return { columns: kept.map((k) => k.name), values, warnings };
}

function valueCheck(type: ReturnType<typeof mapColumnType>): ((value: string) => boolean) | undefined {
  if (type === 'string') return (v) => v !== '';
  if (type === 'byte' || type === 'short' || type === 'integer' || type === 'long')
    return (v) => /^-?(0|[1-9]\d*)$/.test(v);
  if (type === 'date') return (v) => /^\d{4}-\d{2}-\d{2}$/.test(v);
  if (typeof type === 'string' && type.startsWith('decimal(')) return (v) => /^-?\d+(\.\d+)?$/.test(v);
  return undefined;
}
