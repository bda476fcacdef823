import { afterEach, describe, expect, it } from 'vitest';
import { runModels, type RunEvent, type RunOptions } from '../../../src/core/models';
import { makeProject, queryCatalog, withSession, type Workspace } from './helpers';

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

function run(w: Workspace, extra: Partial<RunOptions> = {}) {
  return withSession((session) => runModels({ projectDir: w.projectDir, session, env: w.env, ...extra }));
}

async function tableTypes(w: Workspace): Promise<Record<string, string>> {
  const rows = await queryCatalog<{ table_name: string; table_type: string }>(
    w,
    `SELECT table_name, table_type FROM information_schema.tables WHERE table_catalog = 'lake' ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.table_name, r.table_type]));
}

describe('materializations on DuckLake', () => {
  it('builds views and tables, and switches a relation between the two', async () => {
    ws = makeProject({
      'models/base.sql':
        "{{ config(materialized=var('base_kind', 'table')) }}\nselect range as id, range * 10 as amount from range(5)",
      'models/doubled.sql': "{{ config(materialized='view') }}\nselect id, amount * 2 as amount from {{ ref('base') }}",
    });
    const first = await run(ws);
    expect(first.results.map((r) => [r.name, r.status])).toEqual([
      ['base', 'success'],
      ['doubled', 'success'],
    ]);
    expect(first.results[0]!.rowsAffected).toBe(5);
    expect(await tableTypes(ws)).toEqual({ base: 'BASE TABLE', doubled: 'VIEW' });
    expect(await queryCatalog(ws, 'SELECT sum(amount) AS s FROM lake.main.doubled')).toEqual([{ s: 200n }]);

    const second = await run(ws, { vars: { base_kind: 'view' } });
    expect(second.success).toBe(true);
    expect(await tableTypes(ws)).toEqual({ base: 'VIEW', doubled: 'VIEW' });
    expect(await queryCatalog(ws, 'SELECT sum(amount) AS s FROM lake.main.doubled')).toEqual([{ s: 200n }]);
  });

  it('appends on incremental runs and rebuilds on --full-refresh', async () => {
    ws = makeProject({
      'models/events.sql': [
        "{{ config(materialized='incremental') }}",
        "select range as id, '{{ var(\"tag\") }}' as tag from range({{ var('n') }})",
        '{% if is_incremental() %}where range > (select max(id) from {{ this }}){% endif %}',
      ].join('\n'),
    });
    await run(ws, { vars: { n: 3, tag: 'a' } });
    const second = await run(ws, { vars: { n: 5, tag: 'b' } });
    expect(second.results[0]!.rowsAffected).toBe(2);
    expect(await queryCatalog(ws, 'SELECT tag, count(*) AS n FROM lake.main.events GROUP BY 1 ORDER BY 1')).toEqual([
      { tag: 'a', n: 3n },
      { tag: 'b', n: 2n },
    ]);
    await run(ws, { vars: { n: 4, tag: 'c' }, fullRefresh: true });
    expect(await queryCatalog(ws, 'SELECT tag, count(*) AS n FROM lake.main.events GROUP BY 1 ORDER BY 1')).toEqual([
      { tag: 'c', n: 4n },
    ]);
  });

  it('replaces rows by unique_key with delete+insert (single and composite keys)', async () => {
    ws = makeProject({
      'models/single.sql': [
        "{{ config(materialized='incremental', unique_key='id') }}",
        "select range as id, '{{ var(\"v\") }}' as v from range({{ var('lo') }}, {{ var('hi') }})",
      ].join('\n'),
      'models/composite.sql': [
        "{{ config(materialized='incremental', unique_key=['a', 'b']) }}",
        "select range % 2 as a, range as b, '{{ var(\"v\") }}' as v from range({{ var('lo') }}, {{ var('hi') }})",
      ].join('\n'),
    });
    await run(ws, { vars: { lo: 0, hi: 4, v: 'old' } });
    await run(ws, { vars: { lo: 2, hi: 6, v: 'new' } });
    for (const table of ['single', 'composite']) {
      expect(await queryCatalog(ws, `SELECT v, count(*) AS n FROM lake.main.${table} GROUP BY 1 ORDER BY 1`)).toEqual([
        { v: 'new', n: 4n },
        { v: 'old', n: 2n },
      ]);
    }
  });

  it('merges by unique_key (DuckDB MERGE on DuckLake), updating matched rows and inserting new ones', async () => {
    ws = makeProject({
      'models/dim.sql': [
        "{{ config(materialized='incremental', incremental_strategy='merge', unique_key='id', merge_exclude_columns=['created_tag']) }}",
        "select range as id, '{{ var(\"v\") }}' as v, '{{ var(\"v\") }}' as created_tag from range({{ var('lo') }}, {{ var('hi') }})",
      ].join('\n'),
    });
    await run(ws, { vars: { lo: 0, hi: 3, v: 'one' } });
    await run(ws, { vars: { lo: 1, hi: 5, v: 'two' } });
    expect(await queryCatalog(ws, 'SELECT id, v, created_tag FROM lake.main.dim ORDER BY id')).toEqual([
      { id: 0n, v: 'one', created_tag: 'one' },
      { id: 1n, v: 'two', created_tag: 'one' },
      { id: 2n, v: 'two', created_tag: 'one' },
      { id: 3n, v: 'two', created_tag: 'two' },
      { id: 4n, v: 'two', created_tag: 'two' },
    ]);
  });

  it('inlines ephemeral models as CTEs (chained, and merged into a WITH the model already has)', async () => {
    ws = makeProject({
      'models/eph_a.sql': "{{ config(materialized='ephemeral') }}\nselect range as id from range(10)",
      'models/eph_b.sql': "{{ config(materialized='ephemeral') }}\nselect id from {{ ref('eph_a') }} where id % 2 = 0",
      'models/final.sql':
        "-- evens\nwith doubled as (select id * 2 as x from {{ ref('eph_b') }})\nselect sum(x) as total from doubled",
    });
    const summary = await run(ws);
    expect(summary.results.map((r) => r.name)).toEqual(['final']);
    expect(await tableTypes(ws)).toEqual({ final: 'VIEW' });
    expect(await queryCatalog(ws, 'SELECT total FROM lake.main.final')).toEqual([{ total: 40n }]);
    const compiled = summary.results[0]!.compiledCode!;
    expect(compiled).toMatch(/^-- evens\nwith __dbt__cte__eph_a as \(/);
    expect(compiled.indexOf('__dbt__cte__eph_a as')).toBeLessThan(compiled.indexOf('__dbt__cte__eph_b as'));
  });

  it('places models in <target schema>_<custom schema> from folder config and config()', async () => {
    ws = makeProject({
      'dbt_project.yml':
        'name: lab\nprofile: lab\nmodels:\n  lab:\n    marts:\n      +schema: marts\n      +materialized: table\n',
      'models/marts/m1.sql': 'select 1 as x',
      'models/m2.sql': "{{ config(schema='other') }}\nselect 2 as x",
    });
    await run(ws);
    const rows = await queryCatalog<{ s: string; t: string }>(
      ws,
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_catalog = 'lake' ORDER BY 2`,
    );
    expect(rows).toEqual([
      { s: 'main_marts', t: 'm1' },
      { s: 'main_other', t: 'm2' },
    ]);
  });

  it('runs only the selected models, and reports log() output as events', async () => {
    ws = makeProject({
      'dbt_project.yml':
        'name: lab\nprofile: lab\nmodels:\n  lab:\n    +materialized: table\n    reports:\n      +tags: [report]\n',
      'models/a.sql': "{% do log('building a') %}select 1 as x",
      'models/b.sql': "select x + 1 as x from {{ ref('a') }}",
      'models/reports/c.sql': "select x + 1 as x from {{ ref('b') }}",
      'models/reports/d.sql': 'select 4 as x',
    });
    const events: RunEvent[] = [];
    const first = await run(ws, { select: ['+c'], exclude: ['a'], onEvent: (e) => events.push(e) });
    expect(first.results.map((r) => r.name)).toEqual(['b', 'c']);
    expect(first.results.find((r) => r.name === 'b')!.status).toBe('error');
    const second = await run(ws, { select: ['a', 'tag:report'], onEvent: (e) => events.push(e) });
    expect(second.results.map((r) => [r.name, r.status])).toEqual([
      ['a', 'success'],
      ['c', 'error'],
      ['d', 'success'],
    ]);
    expect(
      events.filter((e) => e.kind === 'log').map((e) => (e.kind === 'log' ? [e.message, e.node?.name] : [])),
    ).toEqual([['building a', 'a']]);
  });
});
