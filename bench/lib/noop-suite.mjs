// The no-op suite: what `lakehouse run` / `lakehouse build` cost when nothing changed, on a project
// over lake tables (12 table models in a fan over two DuckLake source tables of 200,000 and 100 rows,
// one incremental model, 2 tests; a local SQLite catalog, zero setup), side by side with the floor
// of starting Node + DuckDB + the DuckLake attach + one query, and with Node alone. Each sample is a
// fresh CLI process; samples alternate. Measures only; nothing asserts a timing.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

const ROWS = 200_000;

function writeProject(dir, catalog, data) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'models'), { recursive: true });
  mkdirSync(data, { recursive: true });
  const files = {
    'dbt_project.yml': 'name: lakenoop\nversion: "1.0"\nprofile: lakenoop\n',
    'profiles.yml': [
      'lakenoop:',
      '  target: dev',
      '  outputs:',
      '    dev:',
      '      type: duckdb',
      "      path: ':memory:'",
      '      database: lake',
      '      schema: main',
      '      threads: 1',
      '      attach:',
      `        - path: "ducklake:sqlite:${catalog}"`,
      '          alias: lake',
      `          options: { data_path: "${data}/" }`,
      '',
    ].join('\n'),
    'models/sources.yml': [
      'version: 2',
      'sources:',
      '  - { name: raw, schema: raw, tables: [{ name: orders }, { name: regions }] }',
      'models:',
      '  - { name: m01, columns: [{ name: region, data_tests: [not_null] }] }',
      '  - { name: m02, columns: [{ name: n, data_tests: [not_null] }] }',
      '',
    ].join('\n'),
    'models/inc.sql': [
      "{{ config(materialized='incremental', unique_key='id') }}",
      "select id, amount from {{ source('raw', 'orders') }}",
      '{% if is_incremental() %}where id > (select coalesce(max(id), 0) from {{ this }}){% endif %}',
    ].join('\n'),
  };
  for (let i = 1; i <= 12; i++) {
    files[`models/m${String(i).padStart(2, '0')}.sql`] = [
      "{{ config(materialized='table') }}",
      `select r.region, count(*) as n, sum(o.amount * ${i}) as total`,
      "from {{ source('raw', 'orders') }} o join {{ source('raw', 'regions') }} r on o.region_id = r.id group by r.region",
    ].join('\n');
  }
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

/** A tiny DuckDB script run by Node with the repository's @duckdb/node-api: the floor, and the source tables. */
function duckdbScript(catalog, data, sql) {
  return `const { DuckDBInstance } = require('@duckdb/node-api');
(async () => {
  const db = await DuckDBInstance.create(':memory:', { extension_directory: process.env.LAKEHOUSE_DUCKDB_EXTENSIONS });
  const c = await db.connect();
  await c.run("LOAD ducklake; LOAD sqlite");
  await c.run(${JSON.stringify(`ATTACH 'ducklake:sqlite:${catalog}' AS lake (DATA_PATH '${data}/')`)});
  await c.runAndReadAll(${JSON.stringify(sql)});
})();`;
}

function timed(repoDir, args) {
  const timeFile = join(repoDir, 'bench', 'results', 'tmp', `noop-time-${process.pid}.txt`);
  mkdirSync(join(repoDir, 'bench', 'results', 'tmp'), { recursive: true });
  const started = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, process.execPath, ...args], {
    cwd: repoDir,
    encoding: 'utf8',
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  const [user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: user + sys, stdout: r.stdout };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x) => Math.round(x * 1000) / 1000;

export async function runNoopSuite(repoDir, { reps, tmpRoot, cli = join(repoDir, 'dist', 'cli.js') }) {
  const root = join(tmpRoot, 'noop');
  const project = join(root, 'project');
  const catalog = join(root, 'lake', 'metadata.db');
  const data = join(root, 'lake', 'data');
  writeProject(project, catalog, data);
  execFileSync(
    process.execPath,
    [
      '-e',
      duckdbScript(
        catalog,
        data,
        `CREATE SCHEMA lake.raw; CREATE TABLE lake.raw.orders AS SELECT range AS id, range % 100 AS region_id, (range * 7) % 1000 AS amount FROM range(${ROWS}); CREATE TABLE lake.raw.regions AS SELECT range AS id, 'r' || range AS region FROM range(100)`,
      ),
    ],
    { cwd: repoDir },
  );
  // The first build runs everything; the second settles the incremental model (its first run created it).
  for (let i = 0; i < 2; i++) timed(repoDir, [cli, 'build', '--project', project]);
  const sides = {
    'run (no-op)': [cli, 'run', '--project', project],
    'build (no-op, 2 tests)': [cli, 'build', '--project', project],
    'floor: Node + DuckDB + attach + 1 query': [
      '-e',
      duckdbScript(catalog, data, 'SELECT count(*) FROM lake.raw.regions'),
    ],
    'Node start': ['-e', '0'],
  };
  const samples = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  const load = [];
  for (let rep = 0; rep < reps; rep++) {
    load.push(loadavg()[0]);
    for (const [name, args] of Object.entries(sides)) {
      const t = timed(repoDir, args);
      if (name.startsWith('run') && !/13 unchanged/.test(t.stdout))
        throw new Error(`the no-op run ran something:\n${t.stdout}`);
      samples[name].push(t);
    }
  }
  const results = Object.entries(samples).map(([name, s]) => ({
    side: name,
    medianWallS: round(median(s.map((x) => x.wall))),
    minWallS: round(Math.min(...s.map((x) => x.wall))),
    maxWallS: round(Math.max(...s.map((x) => x.wall))),
    medianCpuS: round(median(s.map((x) => x.cpu))),
  }));
  const floor = results.find((r) => r.side.startsWith('floor')).medianWallS;
  for (const r of results) r.vsFloor = round(r.medianWallS / floor);
  return { reps, rows: ROWS, load1: load.map(round), results };
}

export function noopSummary(doc) {
  const lines = ['| side | median wall s (min–max) | median CPU s | vs floor |', '| --- | --- | --- | --- |'];
  for (const r of doc.results)
    lines.push(`| ${r.side} | ${r.medianWallS} (${r.minWallS}–${r.maxWallS}) | ${r.medianCpuS} | ${r.vsFloor} |`);
  lines.push('', `1-minute load average at each repetition: ${doc.load1.join(', ')}`);
  return lines.join('\n');
}
