import { afterEach, describe, expect, it } from 'vitest';
import { buildProject, runModels, testModels } from '../../../src/core/models';
import { makeProject, withSession, type Workspace } from './helpers';

/**
 * dbt's test-paths layout: `<test-path>/generic/` holds generic test definitions (loaded as
 * macros, never run as singular tests) and `<test-path>/fixtures/` unit test fixture files.
 */
let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

describe('tests/generic and tests/fixtures', () => {
  it('loads generic tests from tests/generic and runs neither folder as singular tests', async () => {
    ws = makeProject({
      'models/m.sql': "{{ config(materialized='table') }}\nselect * from (values (1), (-2), (0)) as t(id)",
      'models/schema.yml':
        'version: 2\nmodels:\n  - name: m\n    columns:\n      - name: id\n        data_tests:\n          - positive\n',
      'tests/generic/positive.sql':
        '{% test positive(model, column_name) %}\nselect * from {{ model }} where {{ column_name }} <= 0\n{% endtest %}\n',
      'tests/fixtures/some_rows.sql': 'select 1 as id',
      'tests/no_nulls.sql': "select * from {{ ref('m') }} where id is null",
    });
    const summary = await withSession(async (session) => {
      const options = { projectDir: ws!.projectDir, session, env: ws!.env };
      expect((await runModels(options)).success).toBe(true);
      return testModels(options);
    });
    const outcome = Object.fromEntries(summary.results.map((r) => [r.name, [r.status, r.failures]]));
    expect(outcome).toEqual({ positive_m_id: ['fail', 2], no_nulls: ['pass', 0] });
  });

  it('build runs a singular test that reads no model, and one whose other parent is not built', async () => {
    // dbt_utils' own integration tests have such tests (tests/jinja_helpers/test_slugify.sql): build left
    // them out, as they had no built node to follow.
    ws = makeProject({
      'models/m.sql': "{{ config(materialized='table') }}\nselect * from (values (1), (2)) as t(id)",
      'models/other.sql': "{{ config(materialized='table') }}\nselect 1 as id",
      'tests/literal_only.sql': "select 1 as bad where 'a' != 'a'",
      'tests/literal_failing.sql': 'select 1 as bad',
      'tests/two_parents.sql':
        "select * from {{ ref('m') }} where id not in (select id from {{ ref('other') }}) and id > 5",
    });
    const all = await withSession((session) => buildProject({ projectDir: ws!.projectDir, session, env: ws!.env }));
    expect(Object.fromEntries(all.results.map((r) => [r.name, r.status]))).toEqual({
      literal_failing: 'fail',
      literal_only: 'pass',
      m: 'success',
      other: 'success',
      two_parents: 'pass',
    });
    // Selected through m alone (dbt's eager indirect selection), it still runs, after m.
    const selected = await withSession((session) =>
      buildProject({ projectDir: ws!.projectDir, session, env: ws!.env, select: ['m'], skipUnchanged: false }),
    );
    expect(selected.results.map((r) => [r.name, r.status])).toEqual([
      ['m', 'success'],
      ['two_parents', 'pass'],
    ]);
  });
});
