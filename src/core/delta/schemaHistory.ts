import type { CatalogColumn } from '../ducklake/catalogReader';
import type { ColumnNode } from './schema';

/**
 * A schema change after which older Parquet files no longer read correctly
 * by column name, which is how Delta readers (without column mapping) find
 * columns. DuckLake reads by field id, so it does not care; Delta does.
 */
export interface SchemaHazard {
  /** Snapshot of the change: files written before it carry the old layout. */
  snapshot: number;
  column: string;
  message: string;
}

/**
 * Finds renames, type changes, re-used names of dropped columns and columns
 * added with a DEFAULT (DuckLake shows the default for older rows; Delta
 * readers would show NULL).
 */
export function schemaHazards(
  history: readonly CatalogColumn[],
  current: readonly ColumnNode[],
  tableBegin: number,
): SchemaHazard[] {
  const hazards: SchemaHazard[] = [];
  const versions = new Map<number, CatalogColumn[]>();
  for (const row of history) {
    const list = versions.get(row.columnId) ?? [];
    list.push(row);
    versions.set(row.columnId, list);
  }
  const firstBegin = (columnId: number) => Math.min(...(versions.get(columnId) ?? []).map((v) => v.beginSnapshot));

  const walk = (nodes: readonly ColumnNode[], parentId: number | null, parentBegin: number, prefix: string) => {
    for (const node of nodes) {
      const path = prefix ? `${prefix}.${node.name}` : node.name;
      const earlier = (versions.get(node.columnId) ?? []).filter((v) => v.beginSnapshot < node.beginSnapshot);
      for (const old of earlier) {
        if (old.name !== node.name) {
          hazards.push({ snapshot: node.beginSnapshot, column: path, message: `was renamed from '${old.name}'` });
        } else if (old.type.toLowerCase() !== node.type.toLowerCase()) {
          hazards.push({
            snapshot: node.beginSnapshot,
            column: path,
            message: `changed type from ${old.type} to ${node.type}`,
          });
        }
      }
      const added = firstBegin(node.columnId);
      if (added > parentBegin) {
        if (node.initialDefault !== null && node.initialDefault.toUpperCase() !== 'NULL') {
          hazards.push({
            snapshot: added,
            column: path,
            message: `was added with DEFAULT ${node.initialDefault}, which older rows show in DuckLake but would read as NULL in Delta`,
          });
        }
        const reused = history.find(
          (row) =>
            row.columnId !== node.columnId &&
            row.parentId === parentId &&
            row.beginSnapshot < added &&
            row.name.toLowerCase() === node.name.toLowerCase(),
        );
        if (reused) {
          hazards.push({
            snapshot: added,
            column: path,
            message: `re-uses the name of a dropped column, whose old values older files still hold`,
          });
        }
      }
      walk(node.children, node.columnId, added, path);
    }
  };
  walk(current, null, tableBegin, '');
  return hazards;
}
