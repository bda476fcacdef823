import { describe, expect, it } from 'vitest';
import { builtinBuild, DBT_PEER_PROFILE, dbtBuildResults, sideBySideProjects } from './helpers';

/**
 * Generic tests as dbt-duckdb names and runs them: a long name with list and dict arguments is
 * dbt's in full (it was cut at 120 characters), and a test of an ephemeral model reads it as a CTE
 * (`build` ran it against a table that does not exist).
 */
const FILES: Record<string, string> = {
  // dbt-duckdb loads the extensions from the provisioned folder (it cannot download them here).
  'profiles.yml': DBT_PEER_PROFILE,
  'models/people.sql':
    "{{ config(materialized='ephemeral') }}\nselect * from (values (1, 'ann'), (2, null)) as t(id, name)",
  'models/names.sql': "{{ config(materialized='table') }}\nselect 'ann' as name",
  'models/hidden.sql': "{{ config(materialized='table') }}\nselect 1 as id",
  'models/scores.sql': "{{ config(materialized='table') }}\nselect * from (values (1, 10), (2, 20)) as t(id, score)",
  'macros/expected.sql': "{% macro expected_name() %}{{ return('ann') }}{% endmacro %}",
  'macros/text_equals.sql': [
    '{% test text_equals(model, column_name, expected, pairs) %}',
    "select {{ column_name }} from {{ model }} where {{ column_name }} != '{{ expected }}' and {{ pairs | length }} = 2",
    '{% endtest %}',
  ].join('\n'),
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
  - name: hidden
    config:
      enabled: "{{ target.name == 'no-such-target' }}"
  - name: names
    columns:
      - name: name
        data_tests:
          - text_equals:
              arguments:
                expected: "{{ expected_name() }}"
                pairs: [[0, 1], [1, 0]]
          - text_equals:
              arguments:
                expected: "{{ expected_name( ) }}"
                pairs: [[0, 1], [1, 0]]
              config:
                severity: warn
          - not_null:
              config:
                enabled: "{{ target.type != 'duckdb' }}"
  - name: scores
    columns:
      - name: id
        data_tests:
          - test_name: unique
            name: scores_id_is_unique
            config:
              severity: "{{ 'warn' if target.name == 'dev' else 'error' }}"
          - not_null:
              description: every score has an id
      - name: score
        data_tests:
          - values_within_the_configured_ranges_of_the_project:
              arguments:
                ranges: {low: 0, high: 15}
                labels: ['the lowest score allowed here', 'the highest score allowed here']
`,
};

const projects = sideBySideProjects();

describe('generic test names and ephemeral models, built-in vs dbt-duckdb', () => {
  it('gives the same test names and results', async () => {
    const { mine, peer } = projects(FILES, 'names');
    const summary = await builtinBuild(mine);
    const results = { results: await dbtBuildResults(peer) }; // a test fails: dbt exits 1
    // Two tests share a name (same arguments, other config): dbt keeps both under it.
    const sorted = (rows: Array<[string, string, number | null | undefined]>) =>
      rows.map(([n, st, f]) => `${n} ${st} ${String(f ?? 0)}`).sort();
    const theirs = sorted(
      results.results
        .filter((r) => r.unique_id.startsWith('test.'))
        .map((r) => [r.unique_id.split('.')[2]!, r.status, r.failures]),
    );
    const ours = sorted(
      summary.results.filter((r) => r.uniqueId.startsWith('test.')).map((r) => [r.name, r.status, r.failures]),
    );
    expect(ours).toEqual(theirs);
    // The unique ids too: dbt's name and its hash of the test's metadata (namespace, name, arguments as written).
    const ids = (rows: string[]) => rows.filter((id) => id.startsWith('test.')).sort();
    expect(ids(summary.results.map((r) => r.uniqueId))).toEqual(ids(results.results.map((r) => r.unique_id)));
    expect(ids(summary.results.map((r) => r.uniqueId)).every((id) => /\.[0-9a-f]{10}$/.test(id))).toBe(true);
    // dbt's other form of a test entry (`test_name:` with a custom name) and a test's description.
    expect(ours).toContain('scores_id_is_unique pass 0');
    expect(ours).toContain('not_null_scores_id pass 0');
    const long = ours.find((n) => n.startsWith('values_within'))!;
    expect(long.split(' ')[0]!.length).toBeGreaterThan(120);
    expect(long.endsWith(' fail 1')).toBe(true);
    expect(ours).toContain('not_null_people_name fail 1');
    // Named from the arguments as written, rendered in the test's context when it runs (so it
    // passes), the nested list printed the Python way; both kept under the same name.
    expect(ours.filter((n) => n === 'text_equals_names_name___expected_name____0_1____1_0_ pass 0')).toHaveLength(2);
    // Disabled by a rendered config: the model in properties, the test in its own config.
    expect(summary.results.map((r) => r.name)).not.toContain('hidden');
    expect(ours.some((n) => n.startsWith('not_null_names_name'))).toBe(false);
  });

  it('leaves the Jinja of semantic models and metrics to dbt (it is not rendered while parsing)', async () => {
    const { mine } = projects(
      {
        ...FILES,
        'models/semantic.yml': `version: 2
semantic_models:
  - name: scores_semantic
    model: ref('scores')
    measures:
      - name: total
        agg: sum
        expr: score
metrics:
  - name: high_total
    type: simple
    type_params:
      measure: total
    filter: "{{ Dimension('scores_semantic__id') }} > 0"
`,
      },
      'semantic',
    );
    const summary = await builtinBuild(mine, { select: ['scores'] });
    expect(summary.results.find((r) => r.name === 'scores')?.status).toBe('success');
  });
});
