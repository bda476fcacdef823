import { UnsupportedFeatureError } from '../errors';
import { quoteName } from '../relation';
import { mergeSql, normalizePredicates } from './merge-sql';
import { onSchemaChangeMode, processSchemaChanges } from './schema-changes';
import { assertContract } from './contract';
import { createTableAs } from './table';
import type { MaterializeInput, MaterializeResult } from './types';
import { asSubquery, inTransaction, relationSql } from './transaction';

const STRATEGIES = ['append', 'delete+insert', 'merge'] as const;
type Strategy = (typeof STRATEGIES)[number];

/**
 * `incremental`: the first build (or --full-refresh, or a view in the way) is
 * a CTAS; later builds put the model's rows in a temp table and apply them
 * with the strategy — append, delete+insert on `unique_key` (dbt-duckdb's
 * default when a key is set), or merge (DuckDB MERGE with dbt-duckdb's
 * merge_clauses and friends, see merge-sql.ts). `incremental_predicates`
 * narrow the delete or the merge; `on_schema_change` is applied first.
 */
export async function materializeIncremental(input: MaterializeInput): Promise<MaterializeResult> {
  const { executor, node } = input;
  const strategy = chooseStrategy(input);
  const onSchemaChange = onSchemaChangeMode(node.config.on_schema_change);
  // dbt reads `predicates` (the old name) first, then `incremental_predicates`.
  const predicates = normalizePredicates(
    truthy(node.config.predicates) ? node.config.predicates : (node.config.incremental_predicates ?? null),
    location(input),
  );
  if (input.existing !== 'table' || input.fullRefresh) {
    const rows = await inTransaction(executor, { pre: input.preHooks, post: input.postHooks }, () =>
      createTableAs(input),
    );
    return rows === undefined ? { message: 'OK' } : { rowsAffected: rows, message: `OK ${rows}` };
  }
  const target = relationSql(input.relation);
  const temp = quoteName(`${input.relation.identifier}__dbt_tmp`);
  const keys = uniqueKeys(node.config.unique_key);
  const rows = await inTransaction(executor, { pre: input.preHooks, post: input.postHooks }, async () => {
    // The new rows are checked against an enforced contract too (dbt-duckdb asserts it for the temp table).
    await assertContract(executor, node, input.compiledSql);
    await executor.run(`CREATE OR REPLACE TEMP TABLE ${temp} AS ${asSubquery(input.compiledSql)}`);
    const columns = await processSchemaChanges(executor, onSchemaChange, target, temp, location(input));
    const list = columns.map(quoteName).join(', ');
    let affected: number | undefined;
    if (strategy === 'merge') {
      affected = await executor.run(
        mergeSql({
          target,
          temp,
          uniqueKey: node.config.unique_key,
          destColumns: columns,
          predicates,
          config: node.config,
          ducklake: await isDuckLake(input),
          location: location(input),
        }),
      );
    } else {
      if (strategy === 'delete+insert' && keys.length > 0) {
        await executor.run(deleteSql(target, temp, keys, predicates));
      }
      affected = await executor.run(`INSERT INTO ${target} (${list}) SELECT ${list} FROM ${temp}`);
    }
    await executor.run(`DROP TABLE ${temp}`);
    return affected;
  });
  return rows === undefined ? { message: 'OK' } : { rowsAffected: rows, message: `OK ${rows}` };
}

function truthy(value: unknown): boolean {
  return !(value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0));
}

async function isDuckLake(input: MaterializeInput): Promise<boolean> {
  const lit = input.relation.database.replace(/'/g, "''");
  const rows = await input.executor.rows<{ type: string }>(
    `SELECT type FROM duckdb_databases() WHERE database_name = '${lit}'`,
  );
  return rows[0]?.type === 'ducklake';
}

function chooseStrategy(input: MaterializeInput): Strategy {
  const configured = input.node.config.incremental_strategy;
  const keys = uniqueKeys(input.node.config.unique_key);
  if (configured === undefined || configured === null || configured === 'default') {
    return keys.length > 0 ? 'delete+insert' : 'append';
  }
  const name = String(configured);
  if (!(STRATEGIES as readonly string[]).includes(name)) {
    throw new UnsupportedFeatureError(
      `incremental_strategy='${name}'`,
      location(input),
      `supported: ${STRATEGIES.join(', ')}`,
    );
  }
  return name as Strategy;
}

function location(input: MaterializeInput) {
  return input.node.file ? { file: input.node.file.path, line: 1 } : undefined;
}

export function uniqueKeys(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** dbt-duckdb's delete+insert delete: by key, narrowed by the incremental predicates. */
function deleteSql(target: string, temp: string, keys: string[], predicates: string[]): string {
  const extra = predicates.map((p) => ` AND ${p}`).join('');
  if (keys.length === 1) {
    return `DELETE FROM ${target} WHERE (${keys[0]}) IN (SELECT (${keys[0]}) FROM ${temp})${extra}`;
  }
  const on = keys.map((k) => `${temp}.${k} = DBT_INCREMENTAL_TARGET.${k}`).join(' AND ');
  return `DELETE FROM ${target} AS DBT_INCREMENTAL_TARGET USING ${temp} WHERE (${on}${extra})`;
}
