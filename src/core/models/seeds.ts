import { ModelCompileError } from './errors';
import { ensureSchema, inTransaction, relationSql } from './materializations/transaction';
import type { MaterializeResult } from './materializations/types';
import { quoteName } from './relation';
import type { SqlExecutor } from './sql-executor';
import type { ManifestNode, RelationName } from './types';

export interface SeedInput {
  node: ManifestNode;
  relation: RelationName;
  executor: SqlExecutor;
  existing: 'table' | 'view' | undefined;
  /** See MaterializeInput.schemaExists. */
  schemaExists?: boolean;
  preHooks: string[];
  postHooks: string[];
}

/**
 * `dbt seed`: a CSV becomes a table. Column types follow dbt's inference
 * (integer, float8, date, timestamp, boolean, text — first that fits every
 * value) unless `column_types` names them; rows load with COPY, as
 * dbt-duckdb's fast path does, so parsing matches.
 */
export async function loadSeed(input: SeedInput): Promise<MaterializeResult & { sql: string }> {
  const { node, executor, relation } = input;
  const file = node.file;
  if (!file) throw new Error(`Seed ${node.name} has no file`);
  const delimiter = typeof node.config.delimiter === 'string' ? node.config.delimiter : ',';
  const overrides = lowerKeys((node.config.column_types ?? {}) as Record<string, string>);
  const types = await inferColumnTypes(executor, file.path, delimiter);
  if (types.length === 0) {
    throw new ModelCompileError(`Seed ${node.name} has no header row.`, { file: file.path, line: 1 });
  }
  const columns = types.map(({ name, type }) => `${quoteName(name)} ${overrides[name.toLowerCase()] ?? type}`);
  const target = relationSql(relation);
  const create = `CREATE OR REPLACE TABLE ${target} (${columns.join(', ')})`;
  const copy = `COPY ${target} FROM ${literal(file.path)} (FORMAT CSV, HEADER TRUE, DELIMITER ${literal(delimiter)})`;
  const rows = await inTransaction(executor, { pre: input.preHooks, post: input.postHooks }, async () => {
    await ensureSchema(executor, relation, input.schemaExists);
    if (input.existing === 'view') await executor.run(`DROP VIEW ${target}`);
    await executor.run(create);
    return executor.run(copy);
  });
  return { rowsAffected: rows, message: `INSERT ${rows ?? 0}`, sql: `${create};\n${copy}` };
}

async function inferColumnTypes(
  executor: SqlExecutor,
  path: string,
  delimiter: string,
): Promise<Array<{ name: string; type: string }>> {
  const source = `read_csv(${literal(path)}, header = true, all_varchar = true, delim = ${literal(delimiter)})`;
  const described = await executor.rows<{ column_name: string }>(`DESCRIBE SELECT * FROM ${source}`);
  if (described.length === 0) return [];
  const checks = described.map(({ column_name }, i) => {
    const v = quoteName(column_name);
    return [
      `bool_and(${v} IS NULL OR regexp_full_match(${v}, '-?[0-9]+')) AS int_${i}`,
      `bool_and(${v} IS NULL OR try_cast(${v} AS DOUBLE) IS NOT NULL) AS num_${i}`,
      `bool_and(${v} IS NULL OR (regexp_full_match(${v}, '[0-9]{4}-[0-9]{2}-[0-9]{2}') AND try_cast(${v} AS DATE) IS NOT NULL)) AS date_${i}`,
      `bool_and(${v} IS NULL OR try_strptime(${v}, '%Y-%m-%d %H:%M:%S') IS NOT NULL OR (regexp_full_match(${v}, '[0-9]{4}-[0-9]{2}-[0-9]{2}T.*') AND try_cast(${v} AS TIMESTAMP) IS NOT NULL)) AS ts_${i}`,
      `bool_and(${v} IS NULL OR lower(${v}) IN ('true', 'false')) AS bool_${i}`,
    ].join(', ');
  });
  const [flags] = await executor.rows<Record<string, boolean | null>>(`SELECT ${checks.join(', ')} FROM ${source}`);
  return described.map(({ column_name }, i) => {
    const is = (kind: string) => flags?.[`${kind}_${i}`] !== false;
    const type = is('int')
      ? 'INTEGER'
      : is('num')
        ? 'DOUBLE'
        : is('date')
          ? 'DATE'
          : is('ts')
            ? 'TIMESTAMP'
            : is('bool')
              ? 'BOOLEAN'
              : 'VARCHAR';
    return { name: column_name, type };
  });
}

function lowerKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
