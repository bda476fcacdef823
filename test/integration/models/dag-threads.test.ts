import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../../../src/core/errors';
import type { DuckDBSession } from '../../../src/core/lake/duckdb';
import { buildProject, runModels } from '../../../src/core/models';
import type { RunEvent, RunSummary } from '../../../src/core/models/types';
import {
  addEnergyBatch,
  fingerprintCatalog,
  makeProject,
  makeWorkspace,
  openSession,
  STANDARD_PROFILE,
  withSession,
  type Workspace,
} from './helpers';
import { dbt, requireDbt } from './peers';

const workspaces: Workspace[] = [];
afterEach(() => {
  for (const ws of workspaces.splice(0)) ws.cleanup();
});

// A diamond (a → b, c → d), two independent chains (x, y), an incremental model, a view between tables,
// mixed types and column orders, and a failing model with two dependents beside them.
function files(failing: boolean): Record<string, string> {
  const table = "{{ config(materialized='table') }}\n";
  return {
    'models/a.sql': `${table}select range::INTEGER as id, 'n' || range as name, range * 1.5 as amount from range(40)`,
    'models/b.sql': `${table}select id, amount * 2 as doubled, name from {{ ref('a') }} where id % 2 = 0`,
    'models/c.sql': `${table}select name, id::BIGINT as id, date '2024-01-01' + id::INTEGER as day from {{ ref('a') }} where id % 3 = 0`,
    'models/d.sql': `${table}select b.id, b.doubled, c.day from {{ ref('b') }} b join {{ ref('c') }} c using (id)`,
    'models/x1.sql': `${table}select range as k, range::DOUBLE / 7 as q from range(25)`,
    'models/x2.sql': "{{ config(materialized='view') }}\nselect k, q, k % 5 as g from {{ ref('x1') }}",
    'models/x3.sql': `${table}select g, count(*)::INTEGER as n, sum(q) as s, list(k order by k) as ks from {{ ref('x2') }} group by g`,
    'models/y1.sql': `${table}select range as k, {'a': range, 'b': 'v' || range} as st from range(10)`,
    'models/y2.sql': `${table}select k, st.b as b from {{ ref('y1') }}`,
    'models/y3.sql': `${table}select b, k from {{ ref('y2') }} where k > 3`,
    'models/inc.sql': [
      "{{ config(materialized='incremental', unique_key='id') }}",
      "select id, name, amount from {{ ref('a') }}",
      '{% if is_incremental() %} where id > (select max(id) - 5 from {{ this }}){% endif %}',
    ].join('\n'),
    'models/f1.sql': `${table}select ${failing ? "'x'::INTEGER" : '1'} as v from {{ ref('a') }}`,
    'models/f2.sql': `${table}select v + 1 as v from {{ ref('f1') }}`,
    'models/f3.sql': `${table}select v * 2 as v from {{ ref('f2') }}`,
    'models/schema.yml': [
      'version: 2',
      'models:',
      '  - name: b',
      '    columns:',
      '      - name: id',
      '        data_tests: [not_null, unique]',
      '  - name: x3',
      '    columns:',
      '      - name: g',
      '        data_tests: [unique]',
    ].join('\n'),
  };
}

function project(
  threads: number,
  failing: boolean,
  extra: Record<string, string> = {},
  profile = STANDARD_PROFILE,
): Workspace {
  const ws = makeProject(
    { ...files(failing), 'profiles.yml': profile.replace('threads: 1', `threads: ${threads}`), ...extra },
    `threads${threads}`,
  );
  workspaces.push(ws);
  return ws;
}

interface Observed {
  summary: RunSummary;
  events: RunEvent[];
  maxComputes: number;
  computes: number;
}

/**
 * Runs with a counter of computes on worker connections. The first compute waits (up to 20 s) until a
 * second one starts, so two independent models computing at once is observed, not timed: a run that
 * computes one at a time never gets past 1.
 */
async function run(
  ws: Workspace,
  command: 'run' | 'build',
  more: { signal?: AbortSignal; onCompute?: (node: string) => void; session?: DuckDBSession; barrier?: false } = {},
): Promise<Observed> {
  let active = 0;
  let maxComputes = 0;
  let computes = 0;
  const waiters: (() => void)[] = [];
  const events: RunEvent[] = [];
  const go = (session: DuckDBSession) =>
    (command === 'run' ? runModels : buildProject)({
      projectDir: ws.projectDir,
      session,
      env: ws.env,
      ...(more.signal ? { signal: more.signal } : {}),
      onEvent: (e) => events.push(e),
      onCompute: async (event, node) => {
        if (event === 'end') {
          active--;
          return;
        }
        active++;
        computes++;
        more.onCompute?.(node);
        maxComputes = Math.max(maxComputes, active);
        if (maxComputes >= 2) for (const wake of waiters.splice(0)) wake();
        else if (computes === 1 && more.barrier !== false)
          await new Promise<void>((resolve) => {
            waiters.push(resolve);
            setTimeout(resolve, 20_000);
          });
      },
    });
  const summary = await (more.session ? go(more.session) : withSession(go));
  return { summary, events, maxComputes, computes };
}

const statuses = (s: RunSummary) => s.results.map((r) => `${r.name} ${r.unchanged ? 'unchanged' : r.status}`).sort();

function countersRight(events: RunEvent[], total: number): void {
  const indexes = events.filter((e) => e.kind !== 'log').map((e) => ('index' in e ? e.index : -1));
  for (const e of events) if ('total' in e) expect(e.total).toBe(total);
  // Every node gets one number in 0..total-1 (started then finished share it).
  const started = events.filter((e) => e.kind === 'started' || (e.kind === 'skipped' && !e.unchanged));
  expect(new Set(started.map((e) => ('index' in e ? e.index : -1)))).toEqual(new Set([...Array(total).keys()]));
  expect(Math.max(...indexes)).toBe(total - 1);
}

describe('threads > 1: models computed on worker connections, written to the lake one at a time', () => {
  it('builds the same tables, types, column orders and statuses as threads: 1, with computes at once', async () => {
    const one = project(1, false);
    const four = project(4, false);
    const serial = await run(one, 'build');
    const parallel = await run(four, 'build');

    expect(serial.computes).toBe(0);
    expect(parallel.maxComputes).toBeGreaterThanOrEqual(2);
    // Every table and incremental model was computed apart (the view runs in place).
    expect(parallel.computes).toBe(13);
    expect(statuses(parallel.summary)).toEqual(statuses(serial.summary));
    expect(statuses(parallel.summary).every((s) => / (success|pass)$/.test(s))).toBe(true);
    const a = await fingerprintCatalog(one.catalogPath, one.dataPath);
    const b = await fingerprintCatalog(four.catalogPath, four.dataPath);
    expect(a.size).toBe(14);
    expect([...b.entries()].sort()).toEqual([...a.entries()].sort());
    countersRight(parallel.events, parallel.summary.results.length);
    // The compiled SQL kept is the model's, not the staging select.
    const d = parallel.summary.results.find((r) => r.name === 'd')!;
    expect(d.compiledCode).toContain('join');
    expect(d.compiledCode).not.toContain('__lakehouse_stage');

    // Unchanged models are skipped before any compute: only models that run again (x3 reads a view) compute.
    const serialAgain = await run(one, 'build', { barrier: false });
    const parallelAgain = await run(four, 'build', { barrier: false });
    expect(statuses(parallelAgain.summary)).toEqual(statuses(serialAgain.summary));
    const ranAgain = statuses(parallelAgain.summary).filter((s) => / success$/.test(s));
    expect(statuses(parallelAgain.summary).filter((s) => s.endsWith(' unchanged')).length).toBeGreaterThanOrEqual(11);
    expect(parallelAgain.computes).toBe(ranAgain.filter((s) => s !== 'x2 success').length);

    // Second run: the incremental model merges new rows the same way under both.
    for (const ws of [one, four]) {
      writeFileSync(
        join(ws.projectDir, 'models/a.sql'),
        "{{ config(materialized='table') }}\nselect range::INTEGER as id, 'm' || range as name, range * 2.5 as amount from range(55)",
      );
    }
    const serial2 = await run(one, 'run');
    const parallel2 = await run(four, 'run');
    expect(statuses(parallel2.summary)).toEqual(statuses(serial2.summary));
    const a2 = await fingerprintCatalog(one.catalogPath, one.dataPath);
    const b2 = await fingerprintCatalog(four.catalogPath, four.dataPath);
    expect(b2.get('main.inc')).toEqual(a2.get('main.inc'));
    expect(a2.get('main.inc')!.rows).toBe(55);
    expect(a2.get('main.inc')!.hash).not.toBe(a.get('main.inc')!.hash);
    expect([...b2.entries()].sort()).toEqual([...a2.entries()].sort());
  }, 240_000);

  it('a failing model skips exactly its dependents; the other chains still build', async () => {
    const one = project(1, true);
    const four = project(4, true);
    const serial = await run(one, 'run');
    const parallel = await run(four, 'run');
    const byName = new Map(parallel.summary.results.map((r) => [r.name, r]));
    expect(byName.get('f1')!.status).toBe('error');
    expect(byName.get('f2')!.status).toBe('skipped');
    expect(byName.get('f3')!.status).toBe('skipped');
    expect(statuses(parallel.summary)).toEqual(statuses(serial.summary));
    expect(parallel.summary.results.filter((r) => r.status === 'success')).toHaveLength(11);
    // The error is the one a one-at-a-time run gives (the model ran in place after its compute failed).
    const message = (summary: RunSummary, ws: Workspace) =>
      summary.results.find((r) => r.name === 'f1')!.message.replace(ws.projectDir, '<project>');
    expect(message(parallel.summary, four)).toBe(message(serial.summary, one));
    expect(message(parallel.summary, four)).toMatch(/^<project>\/models\/f1\.sql:1: .*Could not convert string 'x'/);
    const a = await fingerprintCatalog(one.catalogPath, one.dataPath);
    const b = await fingerprintCatalog(four.catalogPath, four.dataPath);
    expect(b.has('main.f1')).toBe(false);
    expect([...b.entries()].sort()).toEqual([...a.entries()].sort());
    countersRight(parallel.events, parallel.summary.results.length);
  }, 240_000);

  it('a SET or temp object on the run connection (invisible to workers) makes models compute in place', async () => {
    // A temp macro from on-run-start exists on the run's connection only; a worker would not find it.
    const hooks = {
      'dbt_project.yml':
        'name: lab\nprofile: lab\nconfig-version: 2\non-run-start:\n  - "create or replace temp macro twice(x) as x * 2"\n',
      'models/uses_macro.sql': "{{ config(materialized='table') }}\nselect twice(id) as t from {{ ref('a') }}",
    };
    const one = project(1, false, hooks);
    const four = project(4, false, hooks);
    const serial = await run(one, 'run');
    const parallel = await run(four, 'run');
    expect(parallel.computes).toBe(0);
    expect(
      parallel.events.filter((e) => e.kind === 'log' && /changed the connection's own state/.test(e.message)),
    ).toHaveLength(1);
    expect(statuses(parallel.summary)).toEqual(statuses(serial.summary));
    expect(statuses(parallel.summary).every((s) => / success$/.test(s))).toBe(true);
    const a = await fingerprintCatalog(one.catalogPath, one.dataPath);
    const b = await fingerprintCatalog(four.catalogPath, four.dataPath);
    expect(a.get('main.uses_macro')!.rows).toBe(40);
    expect([...b.entries()].sort()).toEqual([...a.entries()].sort());
  }, 240_000);

  it('cancel interrupts the computes, writes nothing of them and drops the stage database', async () => {
    const slow = {
      'models/slow1.sql':
        "{{ config(materialized='table') }}\nselect count(*) as n, max(a.range + b.range) as m from range(300000000) a, range(10) b",
      'models/slow2.sql':
        "{{ config(materialized='table') }}\nselect count(*) as n, min(a.range - b.range) as m from range(300000000) a, range(10) b",
    };
    const ws = project(4, false, slow);
    const controller = new AbortController();
    const session = await openSession();
    try {
      const outcome = await run(ws, 'run', {
        session,
        signal: controller.signal,
        onCompute: (node) => {
          if (/slow/.test(node)) setTimeout(() => controller.abort(), 300);
        },
      }).catch((e: unknown) => e);
      expect(outcome).toBeInstanceOf(CancelledError);
      const databases = await session.all<{ name: string }>('SELECT database_name AS name FROM duckdb_databases()');
      expect(databases.map((d) => d.name)).not.toContain('__lakehouse_stage');
    } finally {
      session.close();
    }
    const tables = await fingerprintCatalog(ws.catalogPath, ws.dataPath);
    expect(tables.has('main.slow1')).toBe(false);
    expect(tables.has('main.slow2')).toBe(false);
  }, 240_000);

  it('on a DuckLake over a DuckDB file and on a plain DuckDB file, threads: 4 equals threads: 1 (and dbt-duckdb with threads: 4 on the plain file)', async () => {
    const lakeOnDuckDB = STANDARD_PROFILE.replace(
      `ducklake:sqlite:{{ env_var('LAKEHOUSE_CATALOG_PATH') }}`,
      `ducklake:{{ env_var('LAKEHOUSE_CATALOG_PATH') }}.ducklake`,
    );
    const plain = [
      'lab:',
      '  target: dev',
      '  outputs:',
      '    dev:',
      '      type: duckdb',
      "      path: 'dev.duckdb'",
      '      schema: main',
      '      threads: 1',
    ].join('\n');
    for (const [profile, attach] of [
      [
        lakeOnDuckDB,
        (ws: Workspace) =>
          `ATTACH 'ducklake:${ws.catalogPath}.ducklake' AS lake (DATA_PATH '${ws.dataPath}', READ_ONLY)`,
      ],
      [plain, (ws: Workspace) => `ATTACH '${join(ws.projectDir, 'dev.duckdb')}' AS dev (READ_ONLY)`],
    ] as const) {
      const one = project(1, false, {}, profile);
      const four = project(4, false, {}, profile);
      const serial = await run(one, 'build');
      const parallel = await run(four, 'build');
      expect(parallel.maxComputes).toBeGreaterThanOrEqual(2);
      expect(statuses(parallel.summary)).toEqual(statuses(serial.summary));
      const a = await fingerprint(attach(one));
      expect(a.size).toBe(14);
      expect(await fingerprint(attach(four))).toEqual(a);
      if (profile === plain) {
        // dbt-duckdb with the same threads on the same project (on DuckLake over SQLite it fails: database is locked).
        requireDbt();
        const peer = project(4, false, {}, profile);
        await dbt(peer.projectDir, ['build'], peer.env);
        expect(await fingerprint(attach(peer))).toEqual(a);
      }
    }
  }, 240_000);

  it('the energy example (seed, views over CSV, incremental models, tests) builds the same with threads: 4, twice', async () => {
    const one = makeWorkspace('energy', 'energy-threads1');
    const four = makeWorkspace('energy', 'energy-threads4');
    workspaces.push(one, four);
    const profile = join(four.projectDir, 'profiles.yml');
    writeFileSync(profile, readFileSync(profile, 'utf8').replace('threads: 1', 'threads: 4'));
    for (const batch of [1, 2]) {
      for (const ws of [one, four]) addEnergyBatch(ws, batch);
      const serial = await run(one, 'build', { barrier: false });
      const parallel = await run(four, 'build', { barrier: false });
      expect(statuses(parallel.summary)).toEqual(statuses(serial.summary));
      expect(statuses(parallel.summary).filter((s) => !/ (success|pass|unchanged)$/.test(s))).toEqual([]);
      if (batch === 1) expect(parallel.computes).toBeGreaterThan(0);
      const a = await fingerprintCatalog(one.catalogPath, one.dataPath);
      expect([...(await fingerprintCatalog(four.catalogPath, four.dataPath)).entries()].sort()).toEqual(
        [...a.entries()].sort(),
      );
    }
  }, 300_000);
});

/**
 * Every table's rows (order-independent hash) and columns with types, of the database `attach` attaches
 * (under the name the run used, so views resolve).
 */
async function fingerprint(attach: string): Promise<Map<string, string>> {
  return withSession(async (session) => {
    await session.loadExtensions(['ducklake']);
    await session.run(attach);
    const fp = /AS (\w+) \(/.exec(attach)![1]!;
    const tables = await session.all<{ s: string; t: string }>(
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_catalog = '${fp}' ORDER BY 1, 2`,
    );
    const out = new Map<string, string>();
    for (const { s, t } of tables) {
      const [row] = await session.all<{ n: bigint; h: bigint | null }>(
        `SELECT count(*) AS n, sum(hash(CAST(x AS VARCHAR))::HUGEINT) AS h FROM ${fp}."${s}"."${t}" AS x`,
      );
      const [cols] = await session.all<{ c: string }>(
        `SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) AS c FROM information_schema.columns WHERE table_catalog = '${fp}' AND table_schema = '${s}' AND table_name = '${t}'`,
      );
      out.set(`${s}.${t}`, `${row!.n} ${String(row!.h)} ${cols!.c}`);
    }
    return out;
  });
}
