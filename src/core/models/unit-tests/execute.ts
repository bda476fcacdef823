import { readFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import { LakehouseError } from '../../errors';
import { injectCtes } from '../compile';
import { ModelCompileError, ModelRuntimeError, type SourceLocation } from '../errors';
import { TemplateRaise, type NodeScope, type ProjectServices } from '../jinja/context';
import type { ExecutionContext, NodeOutcome, CompiledTracker } from '../node-execution';
import { Relation, renderRelationName } from '../relation';
import { splitDuckDBMessage } from '../sql-errors';
import type { SqlExecutor } from '../sql-executor';
import type { ManifestNode, RelationName, UnitTestInstance } from '../types';
import {
  FixtureColumnError,
  differenceSql,
  expectedSql,
  fixtureSql,
  unitTestSql,
  type ColumnType,
} from './fixture-sql';
import { promoteFirstCompleteRow, type FixtureRow } from './spec';
import { renderUnitTestDiff } from './diff';

/**
 * Runs one dbt unit test as dbt-core does: each input becomes a CTE of literal rows cast to
 * the input relation's column types, the model is rendered with the test's overrides and
 * those CTEs, and its rows are compared with the expected rows as a multiset over the
 * expected columns. A difference is a failure (1) with a readable diff; a broken definition
 * is an error.
 */
export async function executeUnitTest(
  ctx: ExecutionContext,
  node: ManifestNode,
  tracker: CompiledTracker,
): Promise<NodeOutcome> {
  const unit = node.unitTest!;
  const { spec } = unit;
  const model = ctx.manifest.nodes.get(unit.modelId)!;
  const fail = (message: string, cause?: unknown) =>
    new ModelCompileError(
      `Unit test '${spec.name}' of ${model.name}: ${message}`,
      spec.location,
      'There may be an error in the unit test definition: check the data types.',
      cause === undefined ? undefined : { cause },
    );

  const ctes: Array<[string, string]> = [];
  const cteByInput = new Map<string, string>();
  let thisCte: string | undefined;
  for (const [index, given] of spec.given.entries()) {
    const input = unit.inputs[index]!;
    const cteName = `__dbt__cte__${input.identifier}`;
    let sql: string;
    if (given.fixture?.format === 'sql') {
      sql = given.fixture.sql;
    } else {
      const rows = given.fixture ? given.fixture.rows : seedRows(input.seedFile!);
      const columns = input.relation ? await relationColumns(ctx.executor, input.relation) : [];
      if (columns.length === 0) {
        throw fail(
          `Not able to get columns for unit test '${input.name}' from relation ${input.relation ? renderRelationName(input.relation) : input.name} because the relation doesn't exist`,
        );
      }
      try {
        sql = `-- Fixture for ${input.name}\n${fixtureSql(promoteFirstCompleteRow(rows), columns, `'${input.name}'`)}`;
      } catch (error) {
        if (error instanceof FixtureColumnError) throw fail(error.message);
        throw error;
      }
    }
    ctes.push([cteName, sql]);
    if (given.kind === 'this') thisCte = cteName;
    else cteByInput.set(input.uniqueId, cteName);
  }

  const isIncremental = spec.overrides.macros.is_incremental === true;
  const services = unitTestServices(ctx.compiler.projectServices, ctx, unit, cteByInput);
  const extra: Record<string, unknown> = {};
  for (const [macro, value] of Object.entries(spec.overrides.macros)) {
    // dbt replaces the macro by one that returns the value.
    if (macro !== 'is_incremental') extra[macro] = () => value;
  }
  let rendered: string;
  try {
    rendered = await ctx.compiler.compileForUnitTest(model, {
      services,
      isIncremental,
      ...(thisCte ? { relation: new Relation(undefined, undefined, thisCte, 'cte') } : {}),
      extra,
    });
  } catch (error) {
    if (error instanceof LakehouseError) throw fail(error.message.replace(/^.*?: (?=\S)/, ''), error);
    throw error;
  }
  const modelSql = injectCtes(rendered, ctes);
  tracker.compiledSql = modelSql;

  const actual = await queryColumns(ctx.executor, modelSql).catch((error: unknown) => {
    throw runtimeFailure(spec.name, model.name, spec.location, error);
  });
  const expect = spec.expect;
  const expectedRows = expect.format === 'rows' ? promoteFirstCompleteRow(expect.rows) : [];
  const actualByName = new Map(actual.map((c) => [c.name.toLowerCase(), c]));
  const columns =
    expectedRows.length > 0 ? Object.keys(expectedRows[0]!).map((k) => actualByName.get(k.toLowerCase())) : actual;
  const missing = columns.findIndex((c) => c === undefined);
  let expected: string;
  try {
    expected = expect.format === 'sql' ? expect.sql : expectedSql(expectedRows, actual);
  } catch (error) {
    if (error instanceof FixtureColumnError) throw fail(error.message);
    throw error;
  }
  if (missing >= 0)
    throw fail(
      `the expected rows name '${Object.keys(expectedRows[0]!)[missing]}', which ${model.name} does not return.`,
    );
  const names = (columns as ColumnType[]).map((c) => c.name);
  const sql = unitTestSql(modelSql, expected, names);
  tracker.compiledSql = sql;
  let difference: Record<string, unknown>[];
  try {
    difference = await ctx.executor.rows(differenceSql(sql, names));
  } catch (error) {
    throw runtimeFailure(spec.name, model.name, spec.location, error);
  }
  if (difference.length === 0) return { status: 'pass', message: 'PASS', failures: 0, compiledCode: sql };
  const diff = renderUnitTestDiff(names, difference);
  return { status: 'fail', message: `actual differs from expected:\n\n${diff}`, failures: 1, compiledCode: sql };
}

function runtimeFailure(test: string, model: string, location: SourceLocation, error: unknown): ModelRuntimeError {
  const { summary } = splitDuckDBMessage(error instanceof Error ? error.message : String(error));
  return new ModelRuntimeError(
    `An error occurred during execution of unit test '${test}' (model ${model}). There may be an error in the unit test definition: check the data types.\n ${summary}`,
    location,
    undefined,
    { cause: error },
  );
}

/** ref()/source() answer with the inputs' CTEs; vars and env vars see the test's overrides. */
function unitTestServices(
  base: ProjectServices,
  ctx: ExecutionContext,
  unit: UnitTestInstance,
  cteByInput: ReadonlyMap<string, string>,
): ProjectServices {
  const { spec } = unit;
  const nodeByName = new Map<string, ManifestNode>();
  for (const n of ctx.manifest.nodes.values()) {
    if (n.resourceType === 'model' || n.resourceType === 'seed' || n.resourceType === 'snapshot')
      nodeByName.set(n.name, n);
  }
  const cte = (name: string) => new Relation(undefined, undefined, name, 'cte');
  return {
    ...base,
    lookupVar: (name) =>
      name in spec.overrides.vars ? { found: true, value: spec.overrides.vars[name] } : base.lookupVar(name),
    env: { ...base.env, ...spec.overrides.envVars },
    resolveRef: (name: string, packageName: string | undefined, from: NodeScope) => {
      const target = nodeByName.get(name);
      const id =
        target && (packageName === undefined || target.uniqueId.split('.')[1] === packageName)
          ? target.uniqueId
          : undefined;
      const found = id ? cteByInput.get(id) : undefined;
      if (!found) {
        throw new TemplateRaise(
          `Unit_Test 'unit_test.${base.projectName}.${spec.model}.${spec.name}' depends on a node named '${name}' which was not found`,
          `Add \`- input: ref('${name}')\` with its rows under 'given:' (every ref of ${from.name} needs an input).`,
        );
      }
      return cte(found);
    },
    resolveSource: (sourceName: string, tableName: string) => {
      const found = cteByInput.get(`source.${base.projectName}.${sourceName}.${tableName}`);
      if (!found) {
        throw new TemplateRaise(
          `Unit_Test 'unit_test.${base.projectName}.${spec.model}.${spec.name}' depends on a source named '${sourceName}.${tableName}' which was not found`,
          `Add \`- input: source('${sourceName}', '${tableName}')\` with its rows under 'given:'.`,
        );
      }
      return cte(found);
    },
  };
}

/** dbt-duckdb's get_columns_in_relation: information_schema.columns in ordinal order. */
async function relationColumns(executor: SqlExecutor, relation: RelationName): Promise<ColumnType[]> {
  const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const rows = await executor.rows<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = ${lit(relation.database)} AND table_schema = ${lit(relation.schema)} AND table_name = ${lit(relation.identifier)} ORDER BY ordinal_position`,
  );
  return rows.map((r) => ({ name: r.column_name, type: r.data_type }));
}

/** The model's output columns and types without running it (dbt creates an empty temp table for this). */
async function queryColumns(executor: SqlExecutor, sql: string): Promise<ColumnType[]> {
  const rows = await executor.rows<{ column_name: string; column_type: string }>(
    `DESCRIBE SELECT * FROM (\n${sql}\n) AS dbt_unit_test_model`,
  );
  return rows.map((r) => ({ name: r.column_name, type: r.column_type }));
}

/** A seed input given without rows: dbt reads the seed's CSV file (every value a string). */
function seedRows(path: string): FixtureRow[] {
  return parseCsv(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true }) as FixtureRow[];
}
