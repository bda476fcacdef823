import { randomBytes } from 'node:crypto';
import { ModelCompileError } from '../errors';
import { ensureSchema, inTransaction, relationSql } from '../materializations/transaction';
import type { MaterializeInput, MaterializeResult } from '../materializations/types';
import { quoteName } from '../relation';
import type { SqlExecutor } from '../sql-executor';
import {
  buildSnapshotTableSql,
  checkStrategy,
  snapshotMergeSql,
  snapshotStagingSql,
  stagingOnlyColumns,
  timestampStrategy,
  type SnapshotStrategy,
} from './snapshot-sql';
import { snapshotSettings } from './settings';

/**
 * dbt's snapshot materialization: the first run creates the table with every row current;
 * later runs stage inserts, updates and (hard_deletes: invalidate) deletes against the
 * current rows, add the columns the query gained, close the changed rows and insert their
 * new versions. The staging table is a DuckDB temp table (never in the catalog), so the
 * transaction writes the DuckLake catalog only.
 */
export async function materializeSnapshot(input: MaterializeInput): Promise<MaterializeResult> {
  const { node, executor, relation } = input;
  const settings = snapshotSettings(node);
  const target = relationSql(relation);
  const sql = input.compiledSql.replace(/;\s*$/, '').trimEnd();
  if (input.existing === 'view') {
    throw new ModelCompileError(
      `Snapshot ${node.name}: ${target} is a view, not a table.`,
      settings.location,
      'Drop the view or give the snapshot another alias.',
    );
  }
  const strategy = await strategyFor(executor, settings, sql, target, input.existing === 'table');
  const hooks = { pre: input.preHooks, post: input.postHooks };

  if (input.existing === undefined) {
    await ensureSchema(executor, relation);
    const rows = await inTransaction(executor, hooks, () =>
      executor.run(`create table ${target} as (\n${buildSnapshotTableSql(strategy, sql)}\n)`),
    );
    return rows === undefined ? { message: 'OK' } : { rowsAffected: rows, message: `OK ${rows}` };
  }

  const staging = `temp.main.${quoteName(`${relation.identifier}__dbt_snapshot_${randomBytes(4).toString('hex')}`)}`;
  await executor.run(`create temp table ${staging} as (\n${snapshotStagingSql(strategy, sql, target)}\n)`);
  try {
    const skip = stagingOnlyColumns(strategy.uniqueKey);
    const stagingColumns = (await columnsOf(executor, staging)).filter((c) => !skip.has(c.name));
    const existing = new Set((await columnsOf(executor, target)).map((c) => c.name));
    const missing = stagingColumns.filter((c) => !existing.has(c.name));
    const insertColumns = stagingColumns.map((c) => quoteName(c.name));
    const [update, insert] = snapshotMergeSql(target, staging, insertColumns, strategy.validToCurrent);
    const inserted = await inTransaction(executor, hooks, async () => {
      for (const column of missing) {
        await executor.run(`alter table ${target} add column ${quoteName(column.name)} ${column.type}`);
      }
      await executor.run(update!);
      return executor.run(insert!);
    });
    return inserted === undefined ? { message: 'OK' } : { rowsAffected: inserted, message: `OK ${inserted}` };
  } finally {
    await executor.run(`drop table if exists ${staging}`).catch(() => undefined);
  }
}

async function strategyFor(
  executor: SqlExecutor,
  settings: ReturnType<typeof snapshotSettings>,
  sql: string,
  target: string,
  targetExists: boolean,
): Promise<SnapshotStrategy> {
  const common = {
    uniqueKey: settings.uniqueKey,
    hardDeletes: settings.hardDeletes,
    ...(settings.validToCurrent !== undefined ? { validToCurrent: settings.validToCurrent } : {}),
  };
  if (settings.strategy === 'timestamp') return timestampStrategy({ ...common, updatedAt: settings.updatedAt! });
  if (!targetExists)
    return checkStrategy({ ...common, updatedAt: settings.updatedAt, checkCols: [], columnAdded: false });
  // snapshot_check_all_get_existing_columns: the checked columns as the query names them.
  const query = settings.checkCols === 'all' ? sql : `select ${settings.checkCols.join(', ')} from (\n${sql}\n) subq`;
  const queryColumns = (await describe(executor, query)).map((c) => c.name);
  const existing = new Set((await columnsOf(executor, target)).map((c) => c.name));
  return checkStrategy({
    ...common,
    updatedAt: settings.updatedAt,
    checkCols: queryColumns.filter((c) => existing.has(c)).map(quoteName),
    columnAdded: queryColumns.some((c) => !existing.has(c)),
  });
}

interface Column {
  name: string;
  type: string;
}

async function describe(executor: SqlExecutor, sql: string): Promise<Column[]> {
  const rows = await executor.rows<{ column_name: string; column_type: string }>(
    `DESCRIBE SELECT * FROM (\n${sql}\n) AS dbt_snapshot_query`,
  );
  return rows.map((r) => ({ name: r.column_name, type: r.column_type }));
}

function columnsOf(executor: SqlExecutor, relation: string): Promise<Column[]> {
  return describe(executor, `select * from ${relation}`);
}
