import { ModelCompileError, type SourceLocation } from '../errors';
import { quoteName } from '../relation';
import type { SqlExecutor } from '../sql-executor';

export interface Column {
  name: string;
  type: string;
}

export type OnSchemaChange = 'ignore' | 'fail' | 'append_new_columns' | 'sync_all_columns';
const MODES: readonly string[] = ['ignore', 'fail', 'append_new_columns', 'sync_all_columns'];

/** dbt's incremental_validate_on_schema_change: an unknown value falls back to `ignore` (dbt logs it). */
export function onSchemaChangeMode(value: unknown): OnSchemaChange {
  return typeof value === 'string' && MODES.includes(value) ? (value as OnSchemaChange) : 'ignore';
}

export async function columnsOf(executor: SqlExecutor, relation: string): Promise<Column[]> {
  const rows = await executor.rows<{ column_name: string; column_type: string }>(`DESCRIBE ${relation}`);
  return rows.map((r) => ({ name: r.column_name, type: r.column_type }));
}

/**
 * dbt's process_schema_changes for an incremental run: compares the new rows
 * (the temp table) with the target; `fail` stops with dbt's message,
 * `append_new_columns` adds the new columns, `sync_all_columns` also drops the
 * missing ones and retypes changed ones (dbt's add/copy/drop/rename, so the
 * retyped column moves last, as with dbt). Returns the columns to write:
 * the target's under `ignore`, the new rows' otherwise.
 */
export async function processSchemaChanges(
  executor: SqlExecutor,
  mode: OnSchemaChange,
  target: string,
  temp: string,
  location: SourceLocation | undefined,
): Promise<string[]> {
  const targetColumns = await columnsOf(executor, target);
  if (mode === 'ignore') return targetColumns.map((c) => c.name);
  const sourceColumns = await columnsOf(executor, temp);
  const names = (cols: Column[]) => new Set(cols.map((c) => c.name));
  const inTarget = names(targetColumns);
  const inSource = names(sourceColumns);
  const added = sourceColumns.filter((c) => !inTarget.has(c.name));
  const removed = targetColumns.filter((c) => !inSource.has(c.name));
  const retyped = sourceColumns.filter((c) => {
    const old = targetColumns.find((t) => t.name === c.name);
    return old !== undefined && old.type !== c.type;
  });
  if (added.length + removed.length + retyped.length === 0) return sourceColumns.map((c) => c.name);
  if (mode === 'fail') {
    const list = (cols: Column[]) => `[${cols.map((c) => `'${c.name}'`).join(', ')}]`;
    throw new ModelCompileError(
      [
        'The source and target schemas on this incremental model are out of sync!',
        `Source columns not in target: ${list(added)}`,
        `Target columns not in source: ${list(removed)}`,
        `New column types: ${retyped.map((c) => `${c.name} ${c.type}`).join(', ') || '[]'}`,
      ].join('\n'),
      location,
      'Set on_schema_change to append_new_columns or sync_all_columns, or run with --full-refresh.',
    );
  }
  for (const column of added) {
    await executor.run(`ALTER TABLE ${target} ADD COLUMN ${quoteName(column.name)} ${column.type}`);
  }
  if (mode === 'sync_all_columns') {
    for (const column of removed) await executor.run(`ALTER TABLE ${target} DROP COLUMN ${quoteName(column.name)}`);
    for (const column of retyped) {
      const tmp = quoteName(`${column.name}__dbt_alter`);
      const name = quoteName(column.name);
      await executor.run(`ALTER TABLE ${target} ADD COLUMN ${tmp} ${column.type}`);
      await executor.run(`UPDATE ${target} SET ${tmp} = ${name}`);
      await executor.run(`ALTER TABLE ${target} DROP COLUMN ${name}`);
      await executor.run(`ALTER TABLE ${target} RENAME COLUMN ${tmp} TO ${name}`);
    }
  }
  return sourceColumns.map((c) => c.name);
}
