import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProject, type RunSummary } from '../../../src/core/models';
import { SqlExecutor } from '../../../src/core/models/sql-executor';
import { makeProject, queryCatalog, withSession, writeLake, type Workspace } from './helpers';

/**
 * The skip check through DuckDB (here: an on-run-start hook has sent a statement, so the catalog file
 * is not read directly) takes a node's inputs from its memo when the memo's key is the node's, instead
 * of parsing the SQL again with `json_serialize_sql` — only for names read whole (catalog.schema.table);
 * and what depends on the session (a called function now being a macro of its own, each table's
 * state) is still asked.
 */
const PROJECT: Record<string, string> = {
  'dbt_project.yml': [
    'name: lab',
    'profile: lab',
    'config-version: 2',
    'on-run-start:',
    '  - "USE lake"',
    // A temporary macro named like DuckDB's own greatest() shadows it in this session.
    `  - "{% if var('shadow', false) %}CREATE OR REPLACE TEMP MACRO greatest(a, b) AS 42{% else %}select 1{% endif %}"`,
  ].join('\n'),
  'models/sources.yml': [
    'version: 2',
    'sources:',
    '  - name: raw',
    '    schema: raw',
    '    tables: [{ name: orders }, { name: customers }]',
    'models:',
    '  - name: stg',
    '    columns:',
    '      - name: id',
    '        data_tests: [not_null]',
  ].join('\n'),
  'models/stg.sql': "{{ config(materialized='table') }}\nselect id, amount from {{ source('raw', 'orders') }}",
  'models/agg.sql':
    "{{ config(materialized='table') }}\nselect count(*) as n, sum(amount) as total from {{ ref('stg') }}",
  'models/capped.sql': "{{ config(materialized='table') }}\nselect id, greatest(amount, 0) as a from {{ ref('stg') }}",
  // A two-part name: resolved against the session's default catalog (lake, after the hook's USE), so parsed every time.
  'models/partial.sql': "{{ config(materialized='table') }}\nselect * from raw.customers",
};

let ws: Workspace | undefined;
afterEach(() => {
  ws?.cleanup();
  vi.restoreAllMocks();
});

/**
 * Builds, returning each model's and test's outcome, the compiled SQL every `json_serialize_sql` parsed
 * and how many times `duckdb_functions()` was listed.
 */
async function build(w: Workspace, vars: Record<string, unknown> = {}) {
  const parsed: string[] = [];
  let parseStatements = 0;
  let functionListings = 0;
  const rows = SqlExecutor.prototype.rows;
  const spy = vi.spyOn(SqlExecutor.prototype, 'rows').mockImplementation(function (this: SqlExecutor, sql: string) {
    if (/^SELECT json_serialize_sql\(/i.test(sql)) parsed.push(sql);
    // Nodes that ran whatever they read are parsed together once the run's nodes are done.
    if (/^SELECT i, json_serialize_sql\(s\)/i.test(sql)) {
      parseStatements++;
      for (const m of sql.matchAll(/\((\d+), '((?:[^']|'')*)'\)/g)) parsed.push(m[2]!.replace(/''/g, "'"));
    }
    if (/duckdb_functions\(\)/i.test(sql)) functionListings++;
    return rows.call(this, sql) as never;
  });
  let summary: RunSummary;
  try {
    summary = await withSession((session) => buildProject({ projectDir: w.projectDir, session, env: w.env, vars }));
  } finally {
    spy.mockRestore();
  }
  expect(summary.success, JSON.stringify(summary.results.map((r) => [r.name, r.status, r.message]))).toBe(true);
  const outcome: Record<string, string> = {};
  for (const r of summary.results) outcome[r.name] = r.unchanged ? 'unchanged' : r.status;
  return { outcome, parsed, parseStatements, functionListings };
}

describe('the skip check through DuckDB with a memo whose key matches', () => {
  it('takes the inputs from the memo without parsing, yet sees a changed input and a shadowing macro', async () => {
    ws = makeProject(PROJECT);
    await writeLake(
      ws,
      [
        'CREATE SCHEMA lake.raw',
        'CREATE TABLE lake.raw.orders AS SELECT range AS id, range * 10 - 20 AS amount FROM range(5)',
        "CREATE TABLE lake.raw.customers AS SELECT range AS id, 'c' || range AS name FROM range(3)",
      ].join(';\n'),
    );
    const all = { stg: 'success', agg: 'success', capped: 'success', partial: 'success', not_null_stg_id: 'pass' };
    const first = await build(ws);
    expect(first.outcome).toEqual(all);
    // No memo yet: every model and the test are parsed, all in one statement after they ran.
    expect(first.parsed).toHaveLength(5);
    expect(first.parseStatements).toBe(1);

    // Nothing changed: everything is skipped, and only the model reading a two-part name was parsed.
    const second = await build(ws);
    expect(second.outcome).toEqual({
      stg: 'unchanged',
      agg: 'unchanged',
      capped: 'unchanged',
      partial: 'unchanged',
      not_null_stg_id: 'unchanged',
    });
    expect(second.parsed).toHaveLength(1);
    expect(second.parsed[0]).toMatch(/raw\.customers/);
    // Nothing defined a function: the session's own are the catalog's macros, read from its metadata.
    expect(first.functionListings + second.functionListings).toBe(0);

    // An input changed: the states are still read, so exactly its readers run (unparsed), with the new rows.
    await writeLake(ws, 'INSERT INTO lake.raw.orders VALUES (7, 70)');
    const third = await build(ws);
    expect(third.outcome).toEqual({ ...all, partial: 'unchanged' });
    expect(third.parsed).toEqual([expect.stringMatching(/raw\.customers/)]);
    expect(await queryCatalog(ws, 'SELECT n, total FROM lake.main.agg')).toEqual([{ n: 6n, total: 70n }]);

    // A hook now shadows greatest() with a macro of the session's own: capped's memo matches its key, but
    // the macro may read anything, so capped runs (and gets the macro's value); the rest is skipped.
    const fourth = await build(ws, { shadow: true });
    expect(fourth.outcome).toEqual({
      stg: 'unchanged',
      agg: 'unchanged',
      capped: 'success',
      partial: 'unchanged',
      not_null_stg_id: 'unchanged',
    });
    expect(await queryCatalog(ws, 'SELECT DISTINCT a FROM lake.main.capped')).toEqual([{ a: 42 }]);
    // The hook defined a macro: the session's functions were listed whole.
    expect(fourth.functionListings).toBe(1);

    // Without the hook's macro, capped runs again (its table was the macro's), then is skipped.
    expect((await build(ws)).outcome.capped).toBe('success');
    expect((await build(ws)).outcome.capped).toBe('unchanged');
    // A macro stored in the catalog itself shadows greatest() too (the session's schema is lake.main):
    // no hook defined anything, yet capped runs and gets the catalog macro's value.
    await writeLake(ws, 'CREATE MACRO lake.main.greatest(a, b) AS 43');
    const withCatalogMacro = await build(ws);
    expect(withCatalogMacro.outcome).toEqual({
      stg: 'unchanged',
      agg: 'unchanged',
      capped: 'success',
      partial: 'unchanged',
      not_null_stg_id: 'unchanged',
    });
    expect(withCatalogMacro.functionListings).toBe(0);
    expect(await queryCatalog(ws, 'SELECT DISTINCT a FROM lake.main.capped')).toEqual([{ a: 43 }]);
  });
});
