import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LazyDuckDBSession } from '../../../src/core/lake/lazySession';
import { buildProject, type RunSummary } from '../../../src/core/models';
import { fingerprintCatalog, makeProject, openSession, writeLake, type Workspace } from './helpers';

/**
 * A no-op run over a local SQLite DuckLake catalog: when every node is provably unchanged — checked
 * from the catalog file itself, read by SQLite in WASM — DuckDB is never opened; as soon as one node
 * must run, it is, and that node runs as before. The session is injected, so its opens are counted.
 */
const FILES = {
  'seeds/codes.csv': 'code,label\n1,one\n2,two\n',
  'models/stg.sql': "{{ config(materialized='table') }}\nselect id, amount from {{ source('raw', 'orders') }}",
  'models/agg.sql':
    "{{ config(materialized='table') }}\nselect count(*) as n, sum(amount) as total from {{ ref('stg') }}",
  'models/other.sql': "{{ config(materialized='table') }}\nselect * from {{ source('raw', 'customers') }}",
  'models/coded.sql': "{{ config(materialized='table') }}\nselect code, upper(label) as label from {{ ref('codes') }}",
  'models/inc.sql': [
    "{{ config(materialized='incremental', unique_key='id') }}",
    "select id, amount from {{ ref('stg') }}",
    '{% if is_incremental() %}where id > (select coalesce(max(id), 0) from {{ this }}){% endif %}',
  ].join('\n'),
  'models/sources.yml': [
    'version: 2',
    'sources:',
    '  - name: raw',
    '    schema: raw',
    '    tables: [{ name: orders }, { name: customers }]',
  ].join('\n'),
};

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

/** One build with a session that opens on first use; returns the summary and how many times DuckDB was opened. */
async function build(
  w: Workspace,
  extra: { fullRefresh?: boolean } = {},
): Promise<{ summary: RunSummary; opens: number }> {
  const session = new LazyDuckDBSession(openSession);
  try {
    const summary = await buildProject({ projectDir: w.projectDir, session, env: w.env, ...extra });
    expect(summary.success, JSON.stringify(summary.results.map((r) => [r.name, r.status, r.message]))).toBe(true);
    return { summary, opens: session.opens };
  } finally {
    await session.close();
  }
}

function outcome(summary: RunSummary): Record<string, string> {
  return Object.fromEntries(
    summary.results.map((r) => [r.name, r.unchanged ? 'unchanged' : r.status === 'success' ? 'ran' : r.status]),
  );
}

/** The two source tables every case starts from. */
const SOURCES = `CREATE SCHEMA raw; CREATE TABLE raw.orders AS SELECT range AS id, range * 10 AS amount FROM range(1, 6);
  CREATE TABLE raw.customers AS SELECT 'c' || range AS name FROM range(3)`;

const ALL_UNCHANGED = {
  codes: 'unchanged',
  stg: 'unchanged',
  agg: 'unchanged',
  other: 'unchanged',
  coded: 'unchanged',
  inc: 'unchanged',
};

describe('a no-op run answered from the catalog file, without DuckDB', () => {
  it('never opens DuckDB when every node is unchanged, opens it when one changed, and leaves the same tables', async () => {
    ws = makeProject(FILES, 'noduck');
    await writeLake(ws, SOURCES);
    const first = await build(ws);
    expect(first.opens).toBe(1);
    expect(Object.values(outcome(first.summary)).every((o) => o === 'ran')).toBe(true);
    // inc's first run created its table (a change): it runs once more, appending nothing.
    const second = await build(ws);
    expect(second.opens).toBe(1);
    expect(outcome(second.summary)).toEqual({ ...ALL_UNCHANGED, inc: 'ran' });
    const before = await fingerprintCatalog(ws.catalogPath, ws.dataPath);

    // Nothing new: every node is skipped from the catalog file alone; DuckDB is not opened.
    const noop = await build(ws);
    expect(noop.opens).toBe(0);
    expect(outcome(noop.summary)).toEqual(ALL_UNCHANGED);
    const stg = noop.summary.results.find((r) => r.name === 'stg')!;
    expect(stg.message).toMatch(new RegExp(`^unchanged since run ${first.summary.invocationId} \\(`));
    // run_results.json says what a run through DuckDB says: the same statuses and messages.
    const runResults = JSON.parse(readFileSync(join(ws.projectDir, 'target', 'run_results.json'), 'utf8')) as {
      results: Array<{ unique_id: string; status: string; message: string | null }>;
    };
    expect(runResults.results.map((r) => [r.unique_id, r.status])).toEqual(
      noop.summary.results.map((r) => [r.uniqueId, 'skipped']),
    );
    expect(await fingerprintCatalog(ws.catalogPath, ws.dataPath)).toEqual(before);
    // The memo survives a run without DuckDB: the next no-op is one too.
    expect((await build(ws)).opens).toBe(0);

    // An inlined insert into one source (no new data file, only the snapshot log names the table):
    // DuckDB is opened, exactly what reads that source runs, and the tables follow.
    await writeLake(ws, 'INSERT INTO raw.orders VALUES (6, 60)');
    const afterInsert = await build(ws);
    expect(afterInsert.opens).toBe(1);
    expect(outcome(afterInsert.summary)).toEqual({ ...ALL_UNCHANGED, stg: 'ran', agg: 'ran', inc: 'ran' });
    const rows = await fingerprintCatalog(ws.catalogPath, ws.dataPath);
    expect(rows.get('main.stg')?.rows).toBe(6);
    expect(rows.get('main.inc')?.rows).toBe(6);
    await build(ws); // inc settles (its last run appended a row)
    expect((await build(ws)).opens).toBe(0);

    // A delete from a model's own table since its run: found in the file, the model runs and repairs it.
    await writeLake(ws, 'DELETE FROM main.agg');
    const repaired = await build(ws);
    expect(repaired.opens).toBe(1);
    expect(outcome(repaired.summary)).toEqual({ ...ALL_UNCHANGED, agg: 'ran' });
    expect((await fingerprintCatalog(ws.catalogPath, ws.dataPath)).get('main.agg')?.rows).toBe(1);

    // An edited model: its compiled SQL is its key, so it runs (through DuckDB); the rest stay skipped.
    writeFileSync(
      join(ws.projectDir, 'models/other.sql'),
      "{{ config(materialized='table') }}\nselect name, length(name) as l from {{ source('raw', 'customers') }}",
    );
    const edited = await build(ws);
    expect(edited.opens).toBe(1);
    expect(outcome(edited.summary)).toEqual({ ...ALL_UNCHANGED, other: 'ran' });

    // --full-refresh never skips.
    const full = await build(ws, { fullRefresh: true });
    expect(full.opens).toBe(1);
    expect(Object.values(outcome(full.summary)).every((o) => o === 'ran')).toBe(true);
  });

  it('a data test that passed is skipped while nothing it reads changed; a change or a warning makes it run', async () => {
    ws = makeProject(
      {
        ...FILES,
        'models/tests.yml': [
          'version: 2',
          'models:',
          '  - name: stg',
          '    columns:',
          '      - name: id',
          '        data_tests: [not_null]',
          '  - name: other',
          '    columns:',
          '      - name: name',
          '        data_tests:',
          "          - accepted_values: { values: ['c0', 'c1', 'c2'], config: { severity: warn } }",
        ].join('\n'),
      },
      'noduck-test',
    );
    await writeLake(ws, SOURCES);
    await build(ws);
    await build(ws);
    const noop = await build(ws);
    // The same query over the same rows counts the same failures: nothing runs, DuckDB stays closed.
    expect(noop.opens).toBe(0);
    const tests = { not_null_stg_id: 'unchanged', accepted_values_other_name__c0__c1__c2: 'unchanged' };
    expect(outcome(noop.summary)).toEqual({ ...ALL_UNCHANGED, ...tests });
    expect(noop.summary.results.find((r) => r.name === 'not_null_stg_id')?.message).toMatch(/when it passed/);
    // A source change: its reader runs, and so does the test over it (now warning); the other test is unchanged.
    await writeLake(ws, "INSERT INTO raw.customers VALUES ('c9')");
    const changed = await build(ws);
    const warned = { ...tests, accepted_values_other_name__c0__c1__c2: 'warn' };
    expect(outcome(changed.summary)).toEqual({ ...ALL_UNCHANGED, other: 'ran', ...warned });
    expect((await fingerprintCatalog(ws.catalogPath, ws.dataPath)).get('main.other')?.rows).toBe(4);
    // A test that warned runs again (its warning is reported every time), though nothing changed.
    const again = await build(ws);
    expect(again.opens).toBe(1);
    expect(outcome(again.summary)).toEqual({ ...ALL_UNCHANGED, ...warned });
    expect(again.summary.results.find((r) => r.name.startsWith('accepted_values'))?.failures).toBe(1);
    // --no-skip-unchanged runs every test.
    const forced = await buildProject({
      projectDir: ws.projectDir,
      session: new LazyDuckDBSession(openSession),
      env: ws.env,
      skipUnchanged: false,
    });
    expect(forced.results.find((r) => r.name === 'not_null_stg_id')?.status).toBe('pass');
  });

  it('a data test that reads the clock (or anything not a lake table) always runs', async () => {
    ws = makeProject(
      {
        ...FILES,
        'tests/before_2000.sql': "select * from {{ ref('agg') }} where now() < timestamp '2000-01-01'",
      },
      'noduck-clock',
    );
    await writeLake(ws, SOURCES);
    await build(ws);
    await build(ws);
    const noop = await build(ws);
    expect(noop.opens).toBe(1);
    expect(outcome(noop.summary)).toEqual({ ...ALL_UNCHANGED, before_2000: 'pass' });
  });

  it('a macro stored in the catalog (its body may read any table) sends the check to DuckDB', async () => {
    ws = makeProject(FILES, 'noduck-macro');
    await writeLake(ws, SOURCES);
    await build(ws);
    await build(ws);
    expect((await build(ws)).opens).toBe(0);
    await writeLake(ws, 'CREATE MACRO main.twice(x) AS x * 2');
    const withMacro = await build(ws);
    expect(withMacro.opens).toBe(1);
    // DuckDB's own check still finds every node unchanged (no model calls the macro).
    expect(outcome(withMacro.summary)).toEqual(ALL_UNCHANGED);
  });
});
