import { UnsupportedFeatureError, ModelCompileError } from '../errors';
import { quoteName } from '../relation';
import { createTableAs } from './table';
import type { MaterializeInput, MaterializeResult } from './types';
import { asSubquery, inTransaction, relationSql } from './transaction';

const STRATEGIES = ['append', 'delete+insert', 'merge'] as const;
type Strategy = (typeof STRATEGIES)[number];

/**
 * `incremental`: the first build (or --full-refresh, or a view in the way) is
 * a CTAS; later builds put the model's rows in a temp table and apply them
 * with the strategy — append, delete+insert on `unique_key` (dbt-duckdb's
 * default when a key is set), or merge (DuckDB MERGE, which DuckLake
 * supports: UPDATE BY NAME / INSERT BY NAME).
 */
export async function materializeIncremental(input: MaterializeInput): Promise<MaterializeResult> {
  const { executor, node } = input;
  const strategy = chooseStrategy(input);
  const onSchemaChange = String(node.config.on_schema_change ?? 'ignore');
  if (onSchemaChange !== 'ignore') {
    throw new UnsupportedFeatureError(
      `on_schema_change='${onSchemaChange}'`,
      location(input),
      'only ignore is supported',
    );
  }
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
    await executor.run(`CREATE OR REPLACE TEMP TABLE ${temp} AS ${asSubquery(input.compiledSql)}`);
    const columns = await targetColumns(input);
    const list = columns.map(quoteName).join(', ');
    let affected: number | undefined;
    if (strategy === 'merge') {
      affected = await executor.run(mergeSql(target, temp, keys, input.node.config, columns));
    } else {
      if (strategy === 'delete+insert' && keys.length > 0) await executor.run(deleteSql(target, temp, keys));
      affected = await executor.run(`INSERT INTO ${target} (${list}) SELECT ${list} FROM ${temp}`);
    }
    await executor.run(`DROP TABLE ${temp}`);
    return affected;
  });
  return rows === undefined ? { message: 'OK' } : { rowsAffected: rows, message: `OK ${rows}` };
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
  if (name === 'merge' && keys.length === 0) {
    throw new ModelCompileError(
      `${input.node.name}: incremental_strategy='merge' needs a unique_key.`,
      location(input),
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

async function targetColumns(input: MaterializeInput): Promise<string[]> {
  const { database, schema, identifier } = input.relation;
  const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const rows = await input.executor.rows<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_catalog = ${lit(database)} AND table_schema = ${lit(schema)} AND table_name = ${lit(identifier)} ORDER BY ordinal_position`,
  );
  return rows.map((r) => r.column_name);
}

function deleteSql(target: string, temp: string, keys: string[]): string {
  if (keys.length === 1) {
    return `DELETE FROM ${target} WHERE (${keys[0]}) IN (SELECT (${keys[0]}) FROM ${temp})`;
  }
  const on = keys.map((k) => `${temp}.${k} = DBT_INCREMENTAL_TARGET.${k}`).join(' AND ');
  return `DELETE FROM ${target} AS DBT_INCREMENTAL_TARGET USING ${temp} WHERE (${on})`;
}

function mergeSql(
  target: string,
  temp: string,
  keys: string[],
  config: Record<string, unknown>,
  columns: string[],
): string {
  const on = keys.map((k) => `DBT_INTERNAL_SOURCE.${k} = DBT_INTERNAL_DEST.${k}`).join(') AND (');
  const include = Array.isArray(config.merge_update_columns) ? config.merge_update_columns.map(String) : [];
  const exclude = Array.isArray(config.merge_exclude_columns) ? config.merge_exclude_columns.map(String) : [];
  let update = 'UPDATE BY NAME';
  if (include.length > 0 || exclude.length > 0) {
    const chosen = (include.length > 0 ? include : columns).filter((c) => !exclude.includes(c));
    update = `UPDATE SET ${chosen.map((c) => `${quoteName(c)} = DBT_INTERNAL_SOURCE.${quoteName(c)}`).join(', ')}`;
  }
  return [
    `MERGE INTO ${target} AS DBT_INTERNAL_DEST`,
    `USING ${temp} AS DBT_INTERNAL_SOURCE`,
    `ON (${on})`,
    `WHEN MATCHED THEN ${update}`,
    'WHEN NOT MATCHED THEN INSERT BY NAME',
  ].join('\n');
}
