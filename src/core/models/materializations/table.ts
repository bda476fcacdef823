import type { MaterializeInput, MaterializeResult } from './types';
import { assertContract, contractTableSql } from './contract';
import { createTableWithLayout, modelLayout } from './layout';
import { asSubquery, ensureSchema, inTransaction, relationSql } from './transaction';

/** `table`: CREATE OR REPLACE TABLE ... AS (a view of the same name is dropped first). */
export async function materializeTable(input: MaterializeInput): Promise<MaterializeResult> {
  const rows = await inTransaction(input.executor, { pre: input.preHooks, post: input.postHooks }, () =>
    createTableAs(input),
  );
  return rows === undefined ? { message: 'OK' } : { rowsAffected: rows, message: `OK ${rows}` };
}

/** The CTAS shared by `table` and the first (or full-refresh) build of `incremental`. */
export async function createTableAs(input: MaterializeInput): Promise<number | undefined> {
  const { executor, relation } = input;
  const target = relationSql(relation);
  await ensureSchema(executor, relation, input.schemaExists);
  if (input.existing === 'view') await executor.run(`DROP VIEW ${target}`);
  if (input.node.contract) {
    // The columns are checked before anything is written; then created with their types and constraints.
    await assertContract(executor, input.node, input.compiledSql);
    const [create, insert] = contractTableSql(input.node.contract, target, input.compiledSql);
    await executor.run(create!);
    return executor.run(insert!);
  }
  const layout = modelLayout(input);
  if (layout) return createTableWithLayout(input, layout);
  return executor.run(`CREATE OR REPLACE TABLE ${target} AS ${asSubquery(input.compiledSql)}`);
}
