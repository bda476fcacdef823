import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runModels } from '../../../src/core/models';
import { makeProject, queryCatalog, withSession, type Workspace } from './helpers';

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

describe('hooks', () => {
  it('runs on-run-start, pre-hooks, post-hooks and on-run-end in order, with the model context', async () => {
    ws = makeProject({
      'dbt_project.yml': `name: lab
profile: lab
on-run-start:
  - "CREATE TABLE IF NOT EXISTS {{ target.database }}.main.audit (step VARCHAR, seq INTEGER)"
  - "INSERT INTO {{ target.database }}.main.audit VALUES ('start', 1)"
on-run-end:
  - "INSERT INTO {{ target.database }}.main.audit SELECT 'end', count(*) FROM {{ target.database }}.main.items"
models:
  lab:
    +post-hook: "INSERT INTO {{ target.database }}.main.audit VALUES ('project post {{ this.identifier }}', 4)"
`,
      'models/items.sql': `{{ config(
    materialized='table',
    pre_hook=["SET VARIABLE lab_limit = 3", "INSERT INTO {{ target.database }}.main.audit VALUES ('pre {{ this.name }}', 2)"],
    post_hook="INSERT INTO {{ target.database }}.main.audit SELECT 'post rows', count(*) FROM {{ this }}"
) }}
select range as id from range(10) where range < getvariable('lab_limit')`,
    });
    const summary = await withSession((session) => runModels({ projectDir: ws!.projectDir, session, env: ws!.env }));
    expect(summary.success).toBe(true);
    expect(await queryCatalog(ws, 'SELECT step, seq FROM lake.main.audit ORDER BY rowid')).toEqual([
      { step: 'start', seq: 1 },
      { step: 'pre items', seq: 2 },
      { step: 'project post items', seq: 4 },
      { step: 'post rows', seq: 3 },
      { step: 'end', seq: 3 },
    ]);
  });

  it('rolls the model back when a post-hook fails, leaving the previous table', async () => {
    ws = makeProject({
      'models/items.sql': [
        "{{ config(materialized='table', post_hook=\"{% if var('break', false) %}SELECT * FROM no_such_table{% endif %}\") }}",
        "select range as id from range({{ var('n') }})",
      ].join('\n'),
    });
    await withSession((session) => runModels({ projectDir: ws!.projectDir, session, env: ws!.env, vars: { n: 3 } }));
    const failed = await withSession((session) =>
      runModels({ projectDir: ws!.projectDir, session, env: ws!.env, vars: { n: 7, break: true } }),
    );
    expect(failed.results[0]!.status).toBe('error');
    expect(failed.results[0]!.message).toContain('no_such_table');
    expect(await queryCatalog(ws, 'SELECT count(*) AS n FROM lake.main.items')).toEqual([{ n: 3n }]);
    const runResults = JSON.parse(readFileSync(join(ws.projectDir, 'target', 'run_results.json'), 'utf8'));
    expect(runResults.results[0]).toMatchObject({
      unique_id: 'model.lab.items',
      status: 'error',
      relation_name: '"lake"."main"."items"',
    });
  });

  it('refuses a post-hook whose Jinja runs SQL while it renders, and sends none of it', async () => {
    // The runner renders hooks before the model runs; dbt renders post-hooks after it. So a post-hook's
    // run_query or adapter.drop_relation would act before the model exists: refused, by name.
    ws = makeProject({
      'models/keep.sql': "{{ config(materialized='table') }}\nselect 1 as id",
      'models/items.sql': [
        "{{ config(materialized='table', post_hook=\"{% do adapter.drop_relation(ref('keep')) %}\") }}",
        "select id from {{ ref('keep') }}",
      ].join('\n'),
    });
    const summary = await withSession((session) => runModels({ projectDir: ws!.projectDir, session, env: ws!.env }));
    const items = summary.results.find((r) => r.name === 'items')!;
    expect(items.status).toBe('error');
    expect(items.message).toContain('A post-hook that runs SQL while it renders');
    expect(items.message).toContain('not supported by the built-in runner');
    expect(await queryCatalog(ws, 'SELECT id FROM lake.main.keep')).toEqual([{ id: 1 }]);
  });

  it('adapter.drop_relation in a pre-hook drops the relation, and the run knows it is gone', async () => {
    ws = makeProject({
      'models/old.sql': "{{ config(materialized='table') }}\nselect 1 as id",
      'models/cleaner.sql': [
        "{{ config(materialized='table', pre_hook=\"{% do adapter.drop_relation(ref('old')) %}\") }}",
        "-- depends_on: {{ ref('old') }}",
        'select 1 as done',
      ].join('\n'),
      'models/after.sql': [
        "{{ config(materialized='table') }}",
        "-- depends_on: {{ ref('cleaner') }}",
        "select {{ 'true' if adapter.get_relation(this.database, this.schema, 'old') is none else 'false' }} as old_gone",
      ].join('\n'),
    });
    // old is built, then cleaner's pre-hook drops it; the run's relation cache must not still list it.
    const summary = await withSession((session) => runModels({ projectDir: ws!.projectDir, session, env: ws!.env }));
    expect(summary.success, JSON.stringify(summary.results.map((r) => [r.name, r.message]))).toBe(true);
    expect(await queryCatalog(ws, 'SELECT old_gone FROM lake.main.after')).toEqual([{ old_gone: true }]);
  });
});
