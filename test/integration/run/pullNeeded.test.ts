import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CatalogReader } from '../../../src/core/ducklake/catalogReader';
import { listLiveFiles } from '../../../src/core/lake/catalogFiles';
import { DuckDBSession } from '../../../src/core/lake/duckdb';
import { attachWorkingCatalog } from '../../../src/core/lake/lakeSession';
import { LocalMirror } from '../../../src/core/lake/localMirror';
import { duckdbErrorInfo } from '../../../src/core/query/errors';
import { runOnLakehouse } from '../../../src/core/run/runOnLakehouse';
import { contentHash, readWithDuckDBDelta } from '../delta/helpers';
import { Developer, downloadFolder } from '../support/developer';
import { duckdb, freshLakehouse } from '../support/lakehouse';

type Lake = Awaited<ReturnType<typeof freshLakehouse>>;

const MODELS: Record<string, string> = {
  'raw_a.sql': "{{ config(materialized='table') }}\nselect i as id, i * 2 as v from range(2000) t(i)\n",
  'raw_b.sql': "{{ config(materialized='table') }}\nselect i as id, 'b' || i as name from range(1500) t(i)\n",
  'raw_c.sql': "{{ config(materialized='table') }}\nselect i as id, i % 7 as k from range(1800) t(i)\n",
  'events.sql':
    "{{ config(materialized='incremental', unique_key='id') }}\nselect id, k * 10 as amount from {{ ref('raw_c') }}\n" +
    '{% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}\n',
  'v_b.sql': "{{ config(materialized='view') }}\nselect id, name from {{ ref('raw_b') }} where id < 1200\n",
  'eph_a.sql': "{{ config(materialized='ephemeral') }}\nselect id, v from {{ ref('raw_a') }} where id % 2 = 0\n",
  // Reads raw_a through an ephemeral model and raw_b through a view.
  'report.sql':
    "{{ config(materialized='table') }}\nselect count(*) as n, sum(v)::bigint as total, min(name) as first_name\nfrom {{ ref('eph_a') }} a join {{ ref('v_b') }} b using (id)\n",
  // What it reads is only known when run_query runs.
  'lookup.sql': "{% set r = run_query('select 1') %}\n{{ config(materialized='table') }}\nselect 1 as x\n",
};
const TABLES = ['raw_a', 'raw_b', 'raw_c', 'events', 'report', 'lookup'];

function project(extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-pull-needed-'));
  writeFileSync(
    join(dir, 'dbt_project.yml'),
    `name: shop\nversion: '1.0'\nconfig-version: 2\nprofile: shop\nmodel-paths: [models]\n${extra}`,
  );
  writeFileSync(
    join(dir, 'profiles.yml'),
    [
      'shop:',
      '  target: dev',
      '  outputs:',
      '    dev:',
      '      type: duckdb',
      "      path: ':memory:'",
      '      database: lake',
      '      schema: main',
      '      threads: 1',
      '      attach:',
      "        - path: 'ducklake:sqlite:lake/metadata.db'",
      '          alias: lake',
      '          options:',
      "            data_path: 'lake/data/'",
      '',
    ].join('\n'),
  );
  mkdirSync(join(dir, 'models'));
  for (const [file, sql] of Object.entries(MODELS)) writeFileSync(join(dir, 'models', file), sql);
  return dir;
}

const sessions: DuckDBSession[] = [];
const developers: Developer[] = [];
afterEach(() => {
  sessions.splice(0).forEach((s) => s.close());
  developers.splice(0).forEach((d) => d.close());
});

function run(lake: Lake, dir: string, mirror: LocalMirror, select?: string[], publish = true) {
  const logs: string[] = [];
  const result = runOnLakehouse({
    entry: lake.entry,
    store: lake.store,
    guard: lake.guard,
    mirror,
    duckdb,
    projectDir: dir,
    ...(select ? { select } : {}),
    publish,
    onEvent: (e) => {
      if (e.kind === 'log') logs.push(e.message);
    },
  });
  return result.then((r) => ({ ...r, logs }));
}

const freshMirror = () => new LocalMirror(mkdtempSync(join(tmpdir(), 'lakehouse-pull-needed-mirror-')));

function walk(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** Which tables have data files in the mirror, by the pulled catalog's own file list. */
async function tablesInMirror(mirror: LocalMirror): Promise<{ tables: string[]; files: number }> {
  const session = await DuckDBSession.open(duckdb);
  sessions.push(session);
  const reader = await CatalogReader.open(session, mirror.baseFile);
  const tableOf = new Map((await listLiveFiles(reader, undefined, 'all')).map((f) => [f.path, f.table]));
  await reader.close();
  const local = walk(mirror.dataRoot)
    .filter((f) => f.endsWith('.parquet'))
    .map((f) => relative(mirror.dataRoot, f).split(sep).join('/'));
  return { tables: [...new Set(local.map((p) => tableOf.get(p) ?? `unknown:${p}`))].sort(), files: local.length };
}

/** Live data files of some tables in the remote catalog as a fresh full pull sees it. */
async function liveFilesOf(dev: Developer, tables: string[]): Promise<number> {
  const reader = await CatalogReader.open(dev.session, dev.mirror.baseFile);
  try {
    return (await listLiveFiles(reader)).filter((f) => tables.includes(f.table)).length;
  } finally {
    await reader.close();
  }
}

/** Every table's content, read through DuckLake (every data file is opened) from a mirror. */
async function contents(session: DuckDBSession, mirror: LocalMirror, tables: string[]) {
  const state = (await mirror.readState())!;
  await attachWorkingCatalog(session, mirror, state, { alias: 'lake', readOnly: true });
  try {
    const out: Record<string, unknown> = {};
    for (const table of tables) out[table] = await contentHash(session, `SELECT * FROM lake.main.${table}`);
    return out;
  } finally {
    await session.run('DETACH lake');
  }
}

async function fullPull(lake: Lake): Promise<Developer> {
  const dev = await Developer.create(lake, 'reader');
  developers.push(dev);
  await dev.pull();
  return dev;
}

describe('a run pulls only the tables its selected models read', () => {
  it('run -s report --publish downloads raw_a and raw_b only, builds what a full pull builds, and leaves every other table intact', async () => {
    const lake = await freshLakehouse();
    const dir = project();
    const first = await run(lake, dir, freshMirror());
    expect(first.run.success).toBe(true);
    expect(first.publish?.status).toBe('published');

    const before = await fullPull(lake);
    const remoteFiles = await liveFilesOf(before, ['raw_a', 'raw_b']);
    expect(remoteFiles).toBeGreaterThan(0);
    expect(await liveFilesOf(before, ['raw_c', 'events', 'lookup'])).toBeGreaterThan(0);
    const untouched = ['raw_a', 'raw_b', 'raw_c', 'events', 'lookup', 'v_b'];
    const beforeContents = await contents(before.session, before.mirror, untouched);

    // A fresh machine runs one model: only the tables it reads come down.
    const mirror = freshMirror();
    const partial = await run(lake, dir, mirror, ['report']);
    expect(partial.run.success, JSON.stringify(partial.run.results.map((r) => r.message))).toBe(true);
    expect(partial.logs).toContain('Pulling only the data the selected nodes read: main.raw_a, main.raw_b, main.v_b.');
    expect(partial.pull.files.downloaded).toBe(remoteFiles);
    expect(await tablesInMirror(mirror)).toEqual({ tables: ['raw_a', 'raw_b', 'report'], files: remoteFiles + 1 });
    expect(partial.publish?.status).toBe('published');
    expect(partial.publish?.tables).toEqual(['main.report']);

    // The same selection with everything pulled (a project hook makes the run pull all) builds the same report.
    const control = freshMirror();
    const full = await run(lake, project("on-run-start: ['select 1']\n"), control, ['report'], false);
    expect(full.logs).toContain('Pulling every table: the project has on-run-start/on-run-end hooks.');
    expect((await tablesInMirror(control)).tables).toEqual(['events', 'lookup', 'raw_a', 'raw_b', 'raw_c', 'report']);

    // Everyone else sees every table intact, through DuckLake and through Delta.
    const after = await fullPull(lake);
    const controlSession = await DuckDBSession.open(duckdb);
    sessions.push(controlSession);
    expect((await contents(after.session, after.mirror, ['report'])).report).toEqual(
      (await contents(controlSession, control, ['report'])).report,
    );
    expect(((await contents(after.session, after.mirror, ['report'])).report as { rows: number }).rows).toBe(1);
    expect(await contents(after.session, after.mirror, untouched)).toEqual(beforeContents);
    const lakeTables = await contents(after.session, after.mirror, TABLES);
    for (const table of TABLES)
      expect(await readWithDuckDBDelta(await downloadFolder(lake.store, `Tables/main/${table}`)), table).toEqual(
        lakeTables[table],
      );

    // A table the run did not pull fails loudly when its data is read locally (never wrong rows), with a hint.
    const local = await DuckDBSession.open(duckdb);
    sessions.push(local);
    await attachWorkingCatalog(local, mirror, (await mirror.readState())!, { alias: 'lake', readOnly: true });
    const failure = await local.all('SELECT sum(k) AS s FROM lake.main.raw_c').then(
      () => undefined,
      (error: unknown) => duckdbErrorInfo(error),
    );
    await local.run('DETACH lake');
    expect(failure?.message).toMatch(/Cannot open file ".*raw_c.*\.parquet": No such file or directory/);
    expect(failure?.hint).toMatch(/not in the local mirror \(a run pulls only the tables its models read\)/);

    // A model whose reads are only known at run time (run_query): everything is pulled, and the log says why.
    const dynamic = await run(lake, dir, mirror, ['lookup'], false);
    expect(dynamic.run.success).toBe(true);
    expect(dynamic.logs).toContain(
      'Pulling every table: lookup queries the database while rendering (run_query, statement, get_relation, …).',
    );
    expect((await tablesInMirror(mirror)).tables).toEqual(['events', 'lookup', 'raw_a', 'raw_b', 'raw_c', 'report']);
  });

  it('publish completes the mirror before maintenance rewrites a table the run did not pull (DuckLake cannot open a missing file)', async () => {
    const lake = await freshLakehouse();
    const dir = project();
    expect((await run(lake, dir, freshMirror())).publish?.status).toBe('published');
    // Someone publishes two small files into raw_c without maintenance: the next publish merges them.
    const bob = await Developer.create(lake, 'bob');
    developers.push(bob);
    await bob.pull();
    await bob.run('INSERT INTO lake.main.raw_c SELECT i, i % 7 FROM range(1800, 3000) t(i)');
    expect((await bob.publish({ maintenance: false })).status).toBe('published');
    const expected = await contents(bob.session, bob.mirror, ['raw_c']);

    const mirror = freshMirror();
    const partial = await run(lake, dir, mirror, ['report']);
    expect(partial.logs).toContain('Pulling only the data the selected nodes read: main.raw_a, main.raw_b, main.v_b.');
    expect(partial.publish?.status).toBe('published');
    // raw_c's files came down for the merge, and the merged table reads back whole.
    expect((await tablesInMirror(mirror)).tables).toContain('raw_c');
    const after = await fullPull(lake);
    expect(await contents(after.session, after.mirror, ['raw_c'])).toEqual(expected);
    expect(await liveFilesOf(after, ['raw_c'])).toBe(1);
  });
});
