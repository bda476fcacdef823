import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildProject, type RunSummary } from '../../../src/core/models';
import { formatRunSummary } from '../../../src/core/run/summary';
import { sqlReads } from '../../../src/core/models/skip-unchanged/sql-reads';
import { SqlExecutor } from '../../../src/core/models/sql-executor';
import { STANDARD_PROFILE, fingerprintCatalog, makeProject, withSession, writeLake, type Workspace } from './helpers';
import { dbt, requireDbt } from './peers';
import { runCli } from '../support/lakehouse';

/**
 * Skipping models provably unchanged: the tables after a run that skipped
 * must be exactly those of a run that ran everything. The project reads lake
 * tables written by "someone else" (the test), a CSV file, now(), a macro, a
 * var and an env var.
 */
/** The standard profile, plus the extension folder real dbt-duckdb needs (no network here). */
const PROFILE = STANDARD_PROFILE.replace(
  '      threads: 1\n',
  `      threads: 1\n      config_options:\n        extension_directory: "{{ env_var('LAKEHOUSE_DUCKDB_EXTENSIONS', '~/.duckdb/extensions') }}"\n`,
);

function project(csvPath: string): Record<string, string> {
  return {
    'profiles.yml': PROFILE,
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
    'macros/doubled.sql': '{% macro doubled(x) %}{{ x }} * 2{% endmacro %}',
    'models/stg.sql': "{{ config(materialized='table') }}\nselect id, amount from {{ source('raw', 'orders') }}",
    'models/agg.sql':
      "{{ config(materialized='table') }}\nselect count(*) as n, sum(amount) as total from {{ ref('stg') }}",
    'models/other.sql': "{{ config(materialized='table') }}\nselect * from {{ source('raw', 'customers') }}",
    'models/mac.sql': [
      "{{ config(materialized='table') }}",
      "select id, {{ doubled('amount') }} as twice, {{ var('k', 1) }} as k, '{{ env_var('SKIP_TEST_LABEL', 'none') }}' as label",
      "from {{ ref('stg') }}",
    ].join('\n'),
    'models/inc.sql': [
      "{{ config(materialized='incremental', unique_key='id') }}",
      "select id, amount from {{ ref('stg') }}",
      '{% if is_incremental() %}where id > (select coalesce(max(id), 0) from {{ this }}){% endif %}',
    ].join('\n'),
    'models/ctes.sql': [
      "{{ config(materialized='table') }}",
      "with s as (select * from {{ ref('stg') }}), g as (select * from generate_series(1, 3) t(i))",
      'select s.id, g.i from s, g',
    ].join('\n'),
    'models/clock.sql': "{{ config(materialized='table') }}\nselect id, current_date as d from {{ ref('stg') }}",
    'models/filed.sql': `{{ config(materialized='table') }}\nselect * from read_csv('${csvPath}')`,
    'models/v.sql': "{{ config(materialized='view') }}\nselect * from {{ ref('stg') }}",
    'seeds/codes.csv': 'code,label\n1,one\n2,two\n',
    'models/coded.sql':
      "{{ config(materialized='table') }}\nselect code, upper(label) as label from {{ ref('codes') }}",
    'models/after_view.sql': "{{ config(materialized='table') }}\nselect count(*) as n from {{ ref('v') }}",
  };
}

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

function setUp(): Workspace {
  const w = makeProject({});
  const csv = join(w.root, 'codes.csv');
  writeFileSync(csv, 'code,label\n1,a\n2,b\n');
  for (const [path, text] of Object.entries(project(csv))) {
    const full = join(w.projectDir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
  return w;
}

async function build(
  w: Workspace,
  extra: { skipUnchanged?: boolean; fullRefresh?: boolean; vars?: Record<string, unknown> } = {},
) {
  const summary = await withSession((session) =>
    buildProject({ projectDir: w.projectDir, session, env: w.env, ...extra }),
  );
  expect(
    summary.success,
    JSON.stringify(summary.results.filter((r) => r.status === 'error').map((r) => [r.name, r.message])),
  ).toBe(true);
  return summary;
}

/** Model and seed name → 'ran' or 'unchanged'. */
function outcome(summary: RunSummary): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of summary.results) {
    if (r.resourceType === 'model' || r.resourceType === 'seed')
      out[r.name] = r.unchanged ? 'unchanged' : r.status === 'success' ? 'ran' : r.status;
  }
  return out;
}

const NEVER_SKIPPED = { clock: 'ran', filed: 'ran', v: 'ran', after_view: 'ran' };
const ALL_RAN = {
  stg: 'ran',
  agg: 'ran',
  other: 'ran',
  mac: 'ran',
  inc: 'ran',
  ctes: 'ran',
  codes: 'ran',
  coded: 'ran',
  ...NEVER_SKIPPED,
};

/** Every table's rows, except the clock model's (its date is today's on both sides anyway, but not the point). */
async function tables(w: Workspace) {
  const all = await fingerprintCatalog(w.catalogPath, w.dataPath);
  all.delete('main.clock');
  return all;
}

async function seedLake(w: Workspace) {
  await writeLake(
    w,
    `CREATE SCHEMA raw; CREATE TABLE raw.orders AS SELECT range AS id, range * 10 AS amount FROM range(1, 6);
     CREATE TABLE raw.customers AS SELECT 'c' || range AS name FROM range(3)`,
  );
}

describe('skipping models provably unchanged since their last run', () => {
  it('a second identical build skips every table model that reads only lake tables, with identical tables', async () => {
    ws = setUp();
    await seedLake(ws);
    const first = await build(ws);
    expect(outcome(first)).toEqual(ALL_RAN);

    const second = await build(ws);
    // inc's first run created its table (a change), so it runs once more; it then appends nothing.
    expect(outcome(second)).toEqual({
      stg: 'unchanged',
      agg: 'unchanged',
      other: 'unchanged',
      mac: 'unchanged',
      ctes: 'unchanged',
      codes: 'unchanged',
      coded: 'unchanged',
      inc: 'ran',
      ...NEVER_SKIPPED,
    });
    const stg = second.results.find((r) => r.name === 'stg')!;
    expect(stg.status).toBe('skipped');
    expect(stg.message).toMatch(new RegExp(`^unchanged since run ${first.invocationId} \\(`));
    // The test passed over the same rows of stg last time: skipped too, as unchanged.
    const tests = second.results.filter((r) => r.resourceType === 'test');
    expect(tests.map((r) => [r.status, r.unchanged])).toEqual([['skipped', true]]);
    expect(tests[0]!.message).toMatch(new RegExp(`^unchanged since run ${first.invocationId} \\(.*when it passed$`));
    // run_results.json and the summary say so too.
    const runResults = JSON.parse(readFileSync(join(ws.projectDir, 'target', 'run_results.json'), 'utf8')) as {
      results: Array<{ unique_id: string; status: string; message: string | null }>;
    };
    const stgResult = runResults.results.find((r) => r.unique_id === 'model.lab.stg')!;
    expect(stgResult.status).toBe('skipped');
    expect(stgResult.message).toMatch(/^unchanged since run /);
    expect(formatRunSummary(second)).toMatch(/8 unchanged/);

    // inc's last run changed nothing: now it is skipped too.
    const third = await build(ws);
    expect(outcome(third).inc).toBe('unchanged');
    const afterSkips = await tables(ws);

    // The same catalog, every model run: not one row differs.
    const everything = await build(ws, { skipUnchanged: false });
    expect(outcome(everything)).toEqual(ALL_RAN);
    expect(await tables(ws)).toEqual(afterSkips);
    // A run that skipped nothing still remembered what it left: the next one skips again.
    expect(outcome(await build(ws))).toMatchObject({ stg: 'unchanged', agg: 'unchanged', mac: 'unchanged' });
    expect(afterSkips.get('main.agg')?.rows).toBe(1);
    expect(afterSkips.get('main.inc')?.rows).toBe(5);
  });

  it('an input change re-runs exactly the models downstream of it; a changed table of its own re-runs the model', async () => {
    ws = setUp();
    await seedLake(ws);
    await build(ws);
    await build(ws);
    await writeLake(ws, 'INSERT INTO raw.orders VALUES (6, 60)');
    const afterInsert = await build(ws);
    expect(outcome(afterInsert)).toEqual({ ...ALL_RAN, other: 'unchanged', codes: 'unchanged', coded: 'unchanged' });
    const rows = await tables(ws);
    expect(rows.get('main.inc')?.rows).toBe(6);
    expect(rows.get('main.stg')?.rows).toBe(6);

    // A delete of rows is a change too (no new data file, a delete file or inlined delete).
    await writeLake(ws, "DELETE FROM raw.customers WHERE name = 'c0'");
    expect(outcome(await build(ws))).toMatchObject({ other: 'ran', stg: 'unchanged', agg: 'unchanged' });

    // Someone changed a model's own table since it wrote it: it runs again and puts it back.
    await writeLake(ws, 'DELETE FROM main.agg');
    const repaired = await build(ws);
    expect(outcome(repaired)).toMatchObject({ agg: 'ran', stg: 'unchanged', other: 'unchanged' });
    expect((await tables(ws)).get('main.agg')?.rows).toBe(1);
  });

  it('a changed macro, var, env var or model re-runs what they change; --full-refresh and skipUnchanged=false run all', async () => {
    ws = setUp();
    await seedLake(ws);
    await build(ws);
    await build(ws);
    const macro = join(ws.projectDir, 'macros/doubled.sql');
    writeFileSync(macro, '{% macro doubled(x) %}{{ x }} * 3{% endmacro %}');
    // The macros are part of every model's key (materializations are macros too): everything runs.
    expect(outcome(await build(ws))).toEqual(ALL_RAN);
    await build(ws); // inc settles
    expect(outcome(await build(ws, { vars: { k: 2 } })).mac).toBe('ran');
    expect(outcome(await build(ws, { vars: { k: 2 } })).mac).toBe('unchanged');
    ws.env.SKIP_TEST_LABEL = 'changed';
    expect(outcome(await build(ws, { vars: { k: 2 } }))).toMatchObject({ mac: 'ran', stg: 'unchanged' });
    writeFileSync(
      join(ws.projectDir, 'models/agg.sql'),
      "{{ config(materialized='table') }}\nselect count(*) as n from {{ ref('stg') }}",
    );
    expect(outcome(await build(ws, { vars: { k: 2 } }))).toMatchObject({ agg: 'ran', stg: 'unchanged' });
    // An edited seed file reloads the seed and re-runs what reads it.
    writeFileSync(join(ws.projectDir, 'seeds/codes.csv'), 'code,label\n1,one\n2,two\n3,three\n');
    expect(outcome(await build(ws, { vars: { k: 2 } }))).toMatchObject({
      codes: 'ran',
      coded: 'ran',
      stg: 'unchanged',
    });
    expect((await fingerprintCatalog(ws.catalogPath, ws.dataPath)).get('main.coded')?.rows).toBe(3);
    expect(outcome(await build(ws, { vars: { k: 2 }, fullRefresh: true }))).toEqual(ALL_RAN);
    expect(outcome(await build(ws, { vars: { k: 2 }, skipUnchanged: false }))).toEqual(ALL_RAN);
    const mac = await fingerprintCatalog(ws.catalogPath, ws.dataPath);
    expect(mac.get('main.mac')?.rows).toBe(5);
  });

  it('gives the tables dbt-duckdb gives after the same sequence of builds and source changes', async () => {
    requireDbt();
    ws = setUp();
    const peer = setUp();
    try {
      for (const w of [ws, peer]) await seedLake(w);
      const step = async () => {
        const summary = await build(ws!);
        await dbt(peer.projectDir, ['build'], peer.env);
        const [mine, theirs] = [await tables(ws!), await tables(peer)];
        // filed reads a CSV at a path that differs between the two copies; its rows do not.
        expect([...mine.keys()].sort()).toEqual([...theirs.keys()].sort());
        for (const [name, fingerprint] of theirs) expect(mine.get(name), name).toEqual(fingerprint);
        return outcome(summary);
      };
      await step();
      expect(await step()).toMatchObject({ stg: 'unchanged', agg: 'unchanged', inc: 'ran' });
      for (const w of [ws, peer]) await writeLake(w, 'INSERT INTO raw.orders VALUES (6, 60), (7, 70)');
      // inc appended rows: it runs again (and appends nothing), then is skipped.
      expect(await step()).toMatchObject({ stg: 'ran', agg: 'ran', inc: 'ran', other: 'unchanged' });
      expect(await step()).toMatchObject({ stg: 'unchanged', inc: 'ran' });
      expect(await step()).toMatchObject({ stg: 'unchanged', inc: 'unchanged' });
    } finally {
      peer.cleanup();
    }
  });
});

describe('the CLI', () => {
  it('says UNCHANGED for a skipped model, counts it in the summary, and runs everything with --no-skip-unchanged', async () => {
    ws = setUp();
    await seedLake(ws);
    const env = { LAKEHOUSE_CATALOG_PATH: ws.catalogPath, LAKEHOUSE_DATA_PATH: ws.dataPath };
    const build = (...flags: string[]) => runCli(['build', '--project', ws!.projectDir, ...flags], env, ws!.root);
    expect((await build()).code).toBe(0);
    const second = await build();
    expect(second.code, second.stderr).toBe(0);
    const said = second.stdout + second.stderr;
    expect(said).toMatch(/\d+\/\d+ UNCHANGED stg: unchanged since run [0-9a-f-]{36} \(/);
    expect(said).toMatch(/build \(builtin\): .*8 unchanged/);
    const all = await build('--no-skip-unchanged');
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout + all.stderr).not.toMatch(/UNCHANGED|unchanged/);
  });
});

describe('a model whose Jinja writes while compiling', () => {
  it('makes what reads the written table run, even in a run where everything before it was skipped', async () => {
    ws = makeProject({
      // Skipped first, so the catalog's state is read before writer compiles.
      'models/first.sql': "{{ config(materialized='table') }}\nselect 2 as two",
      // Compiling this model appends a row to raw.log (run_query), every build; its own SQL reads nothing.
      'models/writer.sql': [
        "{{ config(materialized='table') }}",
        "-- depends_on: {{ ref('first') }}",
        "{% if execute %}{% do run_query('insert into lake.raw.log select count(*) + 1 from lake.raw.log') %}{% endif %}",
        'select 1 as one',
      ].join('\n'),
      'models/reader.sql': [
        "{{ config(materialized='table') }}",
        "-- depends_on: {{ ref('writer') }}",
        "select count(*) as n from {{ source('raw', 'log') }}",
      ].join('\n'),
      'models/sources.yml': 'version: 2\nsources:\n  - name: raw\n    schema: raw\n    tables: [{ name: log }]\n',
    });
    await writeLake(ws, 'CREATE SCHEMA raw; CREATE TABLE raw.log (n BIGINT)');
    await build(ws);
    for (const expected of [2, 3]) {
      const again = await build(ws);
      // writer's own table is unchanged; what its compile wrote is seen by reader.
      expect(outcome(again)).toEqual({ first: 'unchanged', writer: 'unchanged', reader: 'ran' });
      expect((await fingerprintCatalog(ws.catalogPath, ws.dataPath)).get('raw.log')?.rows).toBe(expected);
      const [row] = await withSession(async (session) => {
        await session.loadExtensions(['ducklake', 'sqlite_scanner']);
        await session.run(`ATTACH 'ducklake:sqlite:${ws!.catalogPath}' AS r (DATA_PATH '${ws!.dataPath}', READ_ONLY)`);
        return session.all<{ n: bigint }>('SELECT n FROM r.main.reader');
      });
      expect(Number(row!.n)).toBe(expected);
    }
  });
});

describe("what a compiled model reads, from DuckDB's parser", () => {
  it('names the tables, and refuses files, table functions and values that change between runs', async () => {
    const verdicts = await withSession(async (session) => {
      const executor = new SqlExecutor(session.connection);
      // A hook's own macro: the parser sees only its name, so it is refused.
      await session.run("CREATE MACRO since_start(x) AS x - getvariable('start')");
      const out: Record<string, unknown> = {};
      for (const sql of [
        'select * from lake.main.a join b using (id)',
        'with c as (select 1 as id) select * from c join main.d using (id)',
        'select * from generate_series(1, 3)',
        "select * from read_csv('x.csv')",
        "select * from (select * from read_parquet('s3://b/*.parquet')) t",
        "select * from 'data.parquet'",
        'select now() as t',
        'select current_date as d',
        'select random() as r from a',
        "select nextval('s') as n",
        'select gen_random_uuid() as u',
        'select 1; select 2',
        'select * from a where id in (select id from lake.other.b)',
        "select getvariable('batch') as b",
        'select since_start(id) as s from a',
        'select upper(name) as n, sum(v) over () as t from a',
      ]) {
        const reads = await sqlReads(executor, sql);
        out[sql] =
          'unsafe' in reads
            ? `unsafe: ${reads.unsafe}`
            : reads.tables.map((t) => [t.catalog, t.schema, t.table].join('.'));
      }
      return out;
    });
    expect(verdicts).toEqual({
      'select * from lake.main.a join b using (id)': ['lake.main.a', '..b'],
      'with c as (select 1 as id) select * from c join main.d using (id)': ['.main.d'],
      'select * from generate_series(1, 3)': [],
      "select * from read_csv('x.csv')": 'unsafe: it reads read_csv(…), which the catalog cannot vouch for',
      "select * from (select * from read_parquet('s3://b/*.parquet')) t":
        'unsafe: it reads read_parquet(…), which the catalog cannot vouch for',
      "select * from 'data.parquet'": 'unsafe: it reads the file data.parquet, which the catalog cannot vouch for',
      'select now() as t': 'unsafe: it calls now(), whose result changes from run to run',
      'select current_date as d': 'unsafe: it uses current_date, whose value changes from run to run',
      'select random() as r from a': 'unsafe: it calls random(), whose result changes from run to run',
      "select nextval('s') as n": 'unsafe: it calls nextval(), whose result changes from run to run',
      'select gen_random_uuid() as u': 'unsafe: it calls gen_random_uuid(), whose result changes from run to run',
      'select 1; select 2': 'unsafe: its SQL is not a single SELECT DuckDB’s parser can serialize',
      'select * from a where id in (select id from lake.other.b)': ['..a', 'lake.other.b'],
      "select getvariable('batch') as b": 'unsafe: it calls getvariable(), whose result changes from run to run',
      'select since_start(id) as s from a': 'unsafe: it calls the macro since_start, which may read anything',
      'select upper(name) as n, sum(v) over () as t from a': ['..a'],
    });
  });
});
