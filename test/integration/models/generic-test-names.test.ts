import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildProject } from '../../../src/core/models';
import { makeProject, STANDARD_PROFILE, withSession, type Workspace } from './helpers';
import { dbt, requireDbt } from './peers';

/**
 * Generic tests as dbt-duckdb names and runs them: a long name with list and dict arguments is
 * dbt's in full (it was cut at 120 characters), and a test of an ephemeral model reads it as a CTE
 * (`build` ran it against a table that does not exist).
 */
const FILES: Record<string, string> = {
  // dbt-duckdb loads the extensions from the provisioned folder (it cannot download them here).
  'profiles.yml': STANDARD_PROFILE.replace(
    '      threads: 1\n',
    '      threads: 1\n      config_options:\n        extension_directory: "{{ env_var(\'LAKEHOUSE_DUCKDB_EXTENSIONS\') }}"\n',
  ),
  'models/people.sql':
    "{{ config(materialized='ephemeral') }}\nselect * from (values (1, 'ann'), (2, null)) as t(id, name)",
  'models/scores.sql': "{{ config(materialized='table') }}\nselect * from (values (1, 10), (2, 20)) as t(id, score)",
  'macros/within.sql': [
    '{% test values_within_the_configured_ranges_of_the_project(model, column_name, ranges, labels) %}',
    "select {{ column_name }} from {{ model }} where {{ column_name }} < {{ ranges['low'] }} or {{ column_name }} > {{ ranges['high'] }}",
    '{% endtest %}',
  ].join('\n'),
  'models/schema.yml': `version: 2
models:
  - name: people
    columns:
      - name: id
        data_tests: [not_null, unique]
      - name: name
        data_tests: [not_null]
  - name: scores
    columns:
      - name: score
        data_tests:
          - values_within_the_configured_ranges_of_the_project:
              arguments:
                ranges: {low: 0, high: 15}
                labels: ['the lowest score allowed here', 'the highest score allowed here']
`,
};

let mine: Workspace | undefined;
let peer: Workspace | undefined;
beforeAll(() => requireDbt());
afterEach(() => {
  mine?.cleanup();
  peer?.cleanup();
});

describe('generic test names and ephemeral models, built-in vs dbt-duckdb', () => {
  it('gives the same test names and results', async () => {
    mine = makeProject(FILES, 'names-builtin');
    peer = makeProject(FILES, 'names-dbt');
    const summary = await withSession((session) =>
      buildProject({ projectDir: mine!.projectDir, session, env: mine!.env }),
    );
    await dbt(peer.projectDir, ['build'], peer.env).catch(() => undefined); // a test fails: dbt exits 1
    const results = JSON.parse(readFileSync(join(peer.projectDir, 'target', 'run_results.json'), 'utf8')) as {
      results: Array<{ unique_id: string; status: string; failures: number | null }>;
    };
    const theirs = Object.fromEntries(
      results.results
        .filter((r) => r.unique_id.startsWith('test.'))
        .map((r) => [r.unique_id.split('.')[2], [r.status, r.failures]]),
    );
    const ours = Object.fromEntries(
      summary.results.filter((r) => r.uniqueId.startsWith('test.')).map((r) => [r.name, [r.status, r.failures]]),
    );
    expect(ours).toEqual(theirs);
    const long = Object.keys(ours).find((n) => n.startsWith('values_within'))!;
    expect(long.length).toBeGreaterThan(120);
    expect(ours[long]).toEqual(['fail', 1]);
    expect(ours.not_null_people_name).toEqual(['fail', 1]);
  });
});
