import type { MaterializeInput, MaterializeResult } from './types';
import { assertContract } from './contract';
import { asSubquery, ensureSchema, inTransaction, relationSql } from './transaction';

/** `view`: CREATE OR REPLACE VIEW (a table of the same name is dropped first). */
export async function materializeView(input: MaterializeInput): Promise<MaterializeResult> {
  const { executor, relation } = input;
  const target = relationSql(relation);
  await inTransaction(executor, { pre: input.preHooks, post: input.postHooks }, async () => {
    await assertContract(executor, input.node, input.compiledSql);
    await ensureSchema(executor, relation, input.schemaExists);
    if (input.existing === 'table') await executor.run(`DROP TABLE ${target}`);
    await executor.run(`CREATE OR REPLACE VIEW ${target} AS ${asSubquery(input.compiledSql)}`);
  });
  return { message: 'OK' };
}
