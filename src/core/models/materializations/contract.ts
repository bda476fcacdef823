import { ModelRuntimeError } from '../errors';
import { quoteName } from '../relation';
import type { SqlExecutor } from '../sql-executor';
import type { ColumnSpec, ManifestNode, NodeConfig } from '../types';
import { asSubquery } from './transaction';

/**
 * Enforced model contracts as dbt-duckdb checks and builds them:
 * - before a table, a view or an incremental's new rows are written, the columns the model's SQL
 *   yields must be the contract's — the same number, each name present, each type the same once
 *   DuckDB has read both (dbt's assert_columns_equivalent compares the query's column types with
 *   those of `select cast(null as <data_type>) as <name>, …`); otherwise the node fails with
 *   dbt's "enforced contract that failed" and a table of the differences, nothing written;
 * - a contracted table is created from its columns and constraints, then filled with the model's
 *   rows in the contract's column order (duckdb__create_table_as), so DuckDB enforces them.
 */
export function contractEnforced(config: NodeConfig): boolean {
  const contract = config.contract;
  return typeof contract === 'object' && contract !== null && (contract as { enforced?: unknown }).enforced === true;
}

type Contract = NonNullable<ManifestNode['contract']>;

/** dbt's assert_columns_equivalent: throws dbt's contract error when the SQL's columns are not the contract's. */
export async function assertContract(executor: SqlExecutor, node: ManifestNode, sql: string): Promise<void> {
  const contract = node.contract;
  if (!contract) return;
  const where = contract.file ? { file: contract.file, line: 1 } : undefined;
  if (contract.columns.length === 0) throw contractError([], [], where);
  const missingType = contract.columns.filter((c) => c.dataType === undefined).map((c) => c.name);
  if (missingType.length > 0)
    throw new ModelRuntimeError(
      `Contracted models require data_type to be defined for each column. Please ensure that the column name and data_type are defined within the YAML configuration for the ${missingType.map((n) => `['${n}']`).join(', ')} column(s).`,
      where,
    );
  const described = async (query: string) =>
    (await executor.rows<{ column_name: string; column_type: string }>(`DESCRIBE ${query}`)).map((r) => ({
      name: String(r.column_name),
      type: String(r.column_type),
    }));
  const sqlColumns = await described(`SELECT * FROM ${asSubquery(sql)} AS __dbt_sbq`);
  const yamlColumns = await described(
    `SELECT ${contract.columns.map((c) => `CAST(NULL AS ${c.dataType}) AS ${columnName(c)}`).join(', ')}`,
  );
  const same =
    sqlColumns.length === yamlColumns.length &&
    sqlColumns.every((s) => {
      const y = yamlColumns.find((c) => c.name === s.name);
      return y !== undefined && y.type === s.type;
    });
  if (!same) throw contractError(yamlColumns, sqlColumns, where);
}

/** The statements that create a contracted table and fill it (duckdb__create_table_as with a contract). */
export function contractTableSql(contract: Contract, target: string, sql: string): string[] {
  const columns = contract.columns.map((c) => [columnName(c), c.dataType!, ...columnConstraints(c)].join(' '));
  const table = contract.constraints.map(modelConstraint).filter((c): c is string => c !== undefined);
  // dbt's get_column_names quotes a `quote: true` name here too.
  const names = contract.columns.map(columnName).join(', ');
  return [
    `CREATE OR REPLACE TABLE ${target} (${[...columns, ...table].join(', ')})`,
    `INSERT INTO ${target} (${names}) (SELECT ${names} FROM ${asSubquery(sql)} AS model_subq)`,
  ];
}

function columnName(column: ColumnSpec): string {
  return column.quote ? quoteName(column.name) : column.name;
}

/** A column's constraints as dbt-adapters renders them (render_column_constraint). */
function columnConstraints(column: ColumnSpec): string[] {
  return (column.constraints ?? []).flatMap((c) => {
    const expression = typeof c.expression === 'string' ? c.expression : '';
    switch (String(c.type)) {
      case 'not_null':
        return ['not null'];
      case 'unique':
        return ['unique'];
      case 'primary_key':
        return ['primary key'];
      case 'check':
        return expression ? [`check (${expression})`] : [];
      case 'foreign_key':
        return expression ? [`references ${expression}`] : [];
      case 'custom':
        return expression ? [expression] : [];
      default:
        return [];
    }
  });
}

/** A model-level constraint as dbt-adapters renders it (render_model_constraint). */
function modelConstraint(c: Record<string, unknown>): string | undefined {
  const name = typeof c.name === 'string' && c.name !== '' ? `constraint ${c.name} ` : '';
  const columns = Array.isArray(c.columns) ? c.columns.map(String).join(', ') : '';
  const expression = typeof c.expression === 'string' ? c.expression : '';
  switch (String(c.type)) {
    case 'check':
      return expression ? `${name}check (${expression})` : undefined;
    case 'unique':
      return columns ? `${name}unique (${columns})` : undefined;
    case 'primary_key':
      return columns ? `${name}primary key (${columns})` : undefined;
    case 'foreign_key':
      return columns && expression ? `${name}foreign key (${columns}) references ${expression}` : undefined;
    case 'custom':
      return expression || undefined;
    default:
      return undefined;
  }
}

type Described = { name: string; type: string };

/** dbt's raise_contract_error: the message and a table of what differs, column by column. */
function contractError(
  yaml: readonly Described[],
  sql: readonly Described[],
  where: { file: string; line: number } | undefined,
): ModelRuntimeError {
  const rows: string[] = [];
  for (const s of sql) {
    const y = yaml.find((c) => c.name === s.name);
    if (!y) rows.push(`| ${s.name} | ${s.type} |  | missing in contract |`);
    else if (y.type !== s.type) rows.push(`| ${s.name} | ${s.type} | ${y.type} | data type mismatch |`);
  }
  for (const y of yaml)
    if (!sql.some((s) => s.name === y.name)) rows.push(`| ${y.name} |  | ${y.type} | missing in definition |`);
  const table = rows.length
    ? `\n\n| column_name | definition_type | contract_type | mismatch_reason |\n| --- | --- | --- | --- |\n${rows.join('\n')}`
    : '';
  return new ModelRuntimeError(
    `This model has an enforced contract that failed.\nPlease ensure the name, data_type, and number of columns in your contract match the columns in your model's definition.${table}`,
    where,
    'Make the model yield exactly the contract’s columns and types, or change the contract in the properties file.',
  );
}
