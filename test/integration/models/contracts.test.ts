import { describe, expect, it } from 'vitest';
import {
  builtinBuild,
  DBT_PEER_PROFILE,
  dbtBuildResults,
  outcome,
  queryCatalog,
  sideBySideProjects,
  type Workspace,
} from './helpers';
import { dbt } from './peers';

/**
 * Enforced model contracts, built by the runner and by dbt-duckdb from the same project on a
 * DuckLake: a contracted table (typed columns, a not-null constraint, the contract's column order,
 * a quoted name), a view and an incremental pass; a model whose SQL yields another type, an extra
 * column or a missing one fails on both sides with nothing written; a null in a not-null column
 * fails on both sides. Statuses, the tables' columns and types, and their rows must be dbt's.
 */
const FILES: Record<string, string> = {
  'profiles.yml': DBT_PEER_PROFILE,
  'models/schema.yml': `version: 2
models:
  - name: customers
    config:
      materialized: table
      contract: {enforced: true}
    columns:
      - name: id
        data_type: int
        constraints: [{type: not_null}]
      - name: name
        data_type: varchar
      - name: Score
        data_type: decimal(10, 2)
        quote: true
  - name: customers_view
    config:
      materialized: view
      contract: {enforced: true}
    columns:
      - {name: id, data_type: integer}
      - {name: name, data_type: text}
  - name: customers_inc
    config:
      materialized: incremental
      unique_key: id
      on_schema_change: fail
      contract: {enforced: true}
    columns:
      - {name: id, data_type: integer}
      - {name: name, data_type: varchar}
  - name: wrong_type
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - {name: id, data_type: integer}
  - name: extra_column
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - {name: id, data_type: integer}
  - name: missing_column
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - {name: id, data_type: integer}
      - {name: gone, data_type: integer}
  - name: null_id
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - {name: id, data_type: integer, constraints: [{type: not_null}]}
`,
  // Columns in another order than the contract's: the table takes the contract's order.
  'models/customers.sql':
    "select cast(1.5 as decimal(10, 2)) as \"Score\", 'ann' as name, 1 as id union all select 2.25, 'bob', 2",
  'models/customers_view.sql': "select id, name from {{ ref('customers') }}",
  'models/customers_inc.sql': "select id, name from {{ ref('customers') }}",
  'models/wrong_type.sql': "select '1' as id",
  'models/extra_column.sql': 'select 1 as id, 2 as other',
  'models/missing_column.sql': 'select 1 as id',
  'models/null_id.sql': 'select cast(null as integer) as id',
};

const projects = sideBySideProjects();

async function statuses(ws: Workspace, ours: boolean): Promise<string[]> {
  if (ours) return (await builtinBuild(ws)).results.map((r) => `${r.name} ${r.status}`).sort();
  return (await dbtBuildResults(ws)).map((r) => `${r.unique_id.split('.')[2]} ${r.status}`).sort();
}

const columns = (ws: Workspace) =>
  queryCatalog<{ t: string; c: string }>(
    ws,
    `SELECT table_name AS t, string_agg(column_name || ' ' || data_type || ' ' || is_nullable, ', ' ORDER BY ordinal_position) AS c
     FROM information_schema.columns WHERE table_catalog = 'lake' GROUP BY table_name ORDER BY table_name`,
  );

describe('enforced model contracts, built-in vs dbt-duckdb', () => {
  it('check the columns, build with the constraints, and fail where dbt fails', async () => {
    const { mine, peer } = projects(FILES, 'contracts');
    const ours = await statuses(mine, true);
    const theirs = await statuses(peer, false);
    expect(ours).toEqual(theirs);
    expect(ours).toEqual([
      'customers success',
      'customers_inc success',
      'customers_view success',
      'extra_column error',
      'missing_column error',
      'null_id error',
      'wrong_type error',
    ]);
    // Only what passed its contract exists, with the contract's order, types and nullability.
    expect(await columns(mine)).toEqual(await columns(peer));
    expect((await columns(mine)).find((r) => r.t === 'customers')?.c).toBe(
      'id INTEGER NO, name VARCHAR YES, Score DECIMAL(10,2) YES',
    );
    const rows = (ws: Workspace) =>
      queryCatalog<{ r: string }>(
        ws,
        `SELECT string_agg(id || name || "Score", ',' ORDER BY id) AS r FROM lake.main.customers`,
      );
    expect(await rows(mine)).toEqual(await rows(peer));

    // An incremental run checks the new rows against the contract too.
    const again = await statuses(mine, true);
    expect(again).toContain('customers_inc success');
  });

  it("refuses, as dbt's parser does, a contracted incremental that would ignore schema changes", async () => {
    const files = {
      ...FILES,
      'models/schema.yml': FILES['models/schema.yml']!.replace('      on_schema_change: fail\n', ''),
    };
    const { mine, peer } = projects(files, 'contracts-incremental');
    const error = await outcome(builtinBuild(mine));
    const words =
      "Models materialized as incremental with contracts enabled must set on_schema_change to 'append_new_columns' or 'fail'";
    expect(error).toContain(words);
    const output = await outcome(dbt(peer.projectDir, ['build'], peer.env));
    expect(output).toContain(words);
  });

  it("says which columns differ, in dbt's words", async () => {
    const { mine } = projects(FILES, 'contracts-message');
    const summary = await builtinBuild(mine, { select: ['wrong_type', 'extra_column'] });
    const message = (name: string) => summary.results.find((r) => r.name === name)?.message ?? '';
    expect(message('wrong_type')).toContain('This model has an enforced contract that failed.');
    expect(message('wrong_type')).toContain('| id | VARCHAR | INTEGER | data type mismatch |');
    expect(message('extra_column')).toContain('| other | INTEGER |  | missing in contract |');
  });
});
