import {
  applyLayoutOptions,
  currentOptions,
  parseLayout,
  setOptionSql,
  sizeBytes,
  sortClause,
  type TableLayout,
} from '../../lake/layout';
import { quoteName } from '../relation';
import type { SqlExecutor } from '../sql-executor';
import type { MaterializeInput } from './types';
import { asSubquery, relationSql } from './transaction';

/** A model's `lakehouse_layout` config (row_group_size, target_file_size, sorted_by), or undefined when unset. */
export function modelLayout(input: Pick<MaterializeInput, 'node'>): TableLayout | undefined {
  const raw = input.node.config.lakehouse_layout;
  if (raw === undefined || raw === null) return undefined;
  const layout = parseLayout(raw, `${input.node.name}: lakehouse_layout`, 'snake');
  return Object.keys(layout).length > 0 ? layout : undefined;
}

// DuckLake's own defaults (as it stores them: a size in bytes), for putting back a lake option never set.
const DUCKLAKE_DEFAULTS: Record<string, string> = { parquet_row_group_size: '122880', target_file_size: '536870912' };
const OPTIONS = [
  ['rowGroupSize', 'parquet_row_group_size'],
  ['targetFileSize', 'target_file_size'],
] as const;

/**
 * The CTAS of a model with a layout, inside its transaction. DuckLake refuses
 * table-scoped options on a table created in the open transaction, so the
 * lake-wide options are set to the model's for the one write and put back
 * before the commit (the catalog ends with the lake's values); the rows are
 * written in sort order and the table is declared sorted, so later inserts and
 * compaction keep the order.
 */
export async function createTableWithLayout(input: MaterializeInput, layout: TableLayout): Promise<number | undefined> {
  const { executor, relation } = input;
  const db = relation.database;
  const target = relationSql(relation);
  const lake = await currentOptions(executor, db);
  const restore: string[] = [];
  for (const [key, option] of OPTIONS) {
    const value = layout[key];
    if (value === undefined) continue;
    const before = lake.get(option) ?? DUCKLAKE_DEFAULTS[option]!;
    const stored = key === 'targetFileSize' ? String(sizeBytes(String(value))) : String(value);
    if (before === stored) continue;
    await executor.run(setOptionSql(db, option, value));
    // A size goes back with its unit (DuckLake refuses a bare number there); a row count as a number.
    restore.push(setOptionSql(db, option, key === 'targetFileSize' ? `${before}B` : Number(before)));
  }
  const body = layout.sortedBy
    ? `SELECT * FROM ${asSubquery(input.compiledSql)} AS ${quoteName('model')} ORDER BY ${sortClause(layout.sortedBy)}`
    : asSubquery(input.compiledSql);
  const rows = await executor.run(`CREATE OR REPLACE TABLE ${target} AS ${body}`);
  if (layout.sortedBy) await executor.run(`ALTER TABLE ${target} SET SORTED BY (${sortClause(layout.sortedBy)})`);
  for (const statement of restore) await executor.run(statement);
  return rows;
}

/**
 * The model's row-group size and target file size as the table's own DuckLake
 * options, outside any transaction (DuckLake's rule): later inserts and
 * publish's compaction then write the model's layout without being told.
 */
export async function applyModelTableOptions(
  executor: SqlExecutor,
  input: Pick<MaterializeInput, 'relation'>,
  layout: TableLayout,
): Promise<void> {
  const { database, schema, identifier } = input.relation;
  await applyLayoutOptions(executor, database, layout, { schema, table: identifier });
}
