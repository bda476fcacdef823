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
});
