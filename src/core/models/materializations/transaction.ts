import type { SqlExecutor } from '../sql-executor';
import { quoteName } from '../relation';
import type { RelationName } from '../types';

/**
 * Runs a node's statements in one transaction with its hooks around them
 * (dbt's default: hooks inside the transaction). A failure — or a cancel —
 * rolls everything back, so the DuckLake catalog keeps its previous snapshot.
 */
export async function inTransaction<T>(
  executor: SqlExecutor,
  hooks: { pre: readonly string[]; post: readonly string[] },
  work: () => Promise<T>,
): Promise<T> {
  await executor.run('BEGIN TRANSACTION');
  try {
    for (const hook of hooks.pre) await executor.run(hook);
    const result = await work();
    for (const hook of hooks.post) await executor.run(hook);
    await executor.run('COMMIT');
    return result;
  } catch (error) {
    await executor.rollback();
    throw error;
  }
}

export function relationSql(relation: RelationName): string {
  return [relation.database, relation.schema, relation.identifier].map(quoteName).join('.');
}

export async function ensureSchema(executor: SqlExecutor, relation: RelationName, known = false): Promise<void> {
  if (known) return;
  await executor.run(`CREATE SCHEMA IF NOT EXISTS ${quoteName(relation.database)}.${quoteName(relation.schema)}`);
}

/** Model SQL as the body of CREATE ... AS (...): no trailing semicolon, closing paren on its own line. */
export function asSubquery(sql: string): string {
  return `(\n${sql.replace(/;\s*$/, '').trimEnd()}\n)`;
}
