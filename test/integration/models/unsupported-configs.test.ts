import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runModels, testModels, UnsupportedFeatureError } from '../../../src/core/models';
import { makeProject, withSession, type Workspace } from './helpers';

/**
 * What the built-in runner does not implement is refused before anything
 * runs, with the file and line that set it, the feature named and the hint to
 * use the dbt CLI runner — never silently ignored.
 */
let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

const MODEL = 'models/m.sql';

interface Case {
  name: string;
  files: Record<string, string>;
  file: string;
  line: number;
  feature: string;
}

const cases: Case[] = [
  {
    // Enforced contracts are checked (contracts.test.ts); on an ephemeral model there is nothing to check.
    name: 'an enforced contract on an ephemeral model',
    files: {
      [MODEL]: "{{ config(materialized='ephemeral') }}\nselect 1 as id",
      'models/schema.yml':
        'version: 2\nmodels:\n  - name: m\n    config:\n      contract:\n        enforced: true\n    columns:\n      - name: id\n        data_type: int\n',
    },
    file: 'models/schema.yml',
    line: 5,
    feature: 'An enforced contract on an ephemeral model',
  },
  {
    name: 'sql_header in config()',
    files: {
      [MODEL]: "{{ config(\n    materialized='table',\n    sql_header='SET threads = 1;',\n) }}\nselect 1 as id",
    },
    file: MODEL,
    line: 3,
    feature: 'sql_header',
  },
  {
    name: "dbt-duckdb's external materialization from dbt_project.yml",
    files: {
      [MODEL]: 'select 1 as id',
      'dbt_project.yml':
        'name: lab\nprofile: lab\nconfig-version: 2\nmodels:\n  lab:\n    +materialized: table\n    m:\n      +materialized: external\n',
    },
    file: 'dbt_project.yml',
    line: 8,
    feature: "The 'external' materialization",
  },
  {
    name: 'store_failures on a column test',
    files: {
      [MODEL]: 'select 1 as id',
      'models/schema.yml':
        'version: 2\nmodels:\n  - name: m\n    columns:\n      - name: id\n        data_tests:\n          - not_null:\n              config:\n                store_failures: true\n',
    },
    file: 'models/schema.yml',
    line: 9,
    feature: 'Storing test failures',
  },
  {
    name: 'store_failures for all tests in dbt_project.yml',
    files: {
      [MODEL]: 'select 1 as id',
      'tests/no_rows.sql': "select * from {{ ref('m') }} where id < 0",
      'dbt_project.yml': 'name: lab\nprofile: lab\nconfig-version: 2\ndata_tests:\n  +store_failures: true\n',
    },
    file: 'dbt_project.yml',
    line: 5,
    feature: 'Storing test failures',
  },
  {
    name: 'a package-namespaced macro override in a unit test',
    files: {
      [MODEL]: 'select 1 as id',
      'models/unit.yml':
        'version: 2\nunit_tests:\n  - name: t\n    model: m\n    overrides:\n      macros:\n        dbt_utils.current_timestamp: now()\n    given: []\n    expect:\n      rows: [{id: 1}]\n',
    },
    file: 'models/unit.yml',
    line: 7,
    feature: 'A package-namespaced macro override',
  },
  {
    name: 'unit_tests: configs in dbt_project.yml',
    files: {
      [MODEL]: 'select 1 as id',
      'dbt_project.yml': 'name: lab\nprofile: lab\nconfig-version: 2\nunit_tests:\n  +enabled: false\n',
    },
    file: 'dbt_project.yml',
    line: 4,
    feature: "Unit test configs in dbt_project.yml ('unit_tests:')",
  },
  {
    // external_location sources are read (external-sources.test.ts); a plugin runs Python code.
    name: 'a source-level meta.plugin',
    files: {
      [MODEL]: "select * from {{ source('raw', 'events') }}",
      'models/sources.yml':
        'version: 2\nsources:\n  - name: raw\n    meta:\n      plugin: excel\n    tables:\n      - name: events\n',
    },
    file: 'models/sources.yml',
    line: 5,
    feature: "A dbt-duckdb 'plugin' source",
  },
  {
    name: 'microbatch incremental strategy',
    files: {
      [MODEL]:
        "{{ config(materialized='incremental',\n  incremental_strategy='microbatch', event_time='ts', batch_size='day') }}\nselect 1 as id",
    },
    file: MODEL,
    line: 2,
    feature: "incremental_strategy='microbatch'",
  },
  {
    name: 'model versions',
    files: {
      [MODEL]: 'select 1 as id',
      'models/schema.yml': 'version: 2\nmodels:\n  - name: m\n    latest_version: 1\n    versions:\n      - v: 1\n',
    },
    file: 'models/schema.yml',
    line: 5,
    feature: 'Model versions',
  },
  {
    name: 'persist_docs',
    files: {
      [MODEL]: 'select 1 as id',
      'dbt_project.yml':
        'name: lab\nprofile: lab\nconfig-version: 2\nmodels:\n  lab:\n    +persist_docs:\n      relation: true\n',
    },
    file: 'dbt_project.yml',
    line: 6,
    feature: 'persist_docs',
  },
];

describe('unsupported configs are refused with their location', () => {
  for (const c of cases) {
    it(`refuses ${c.name}`, async () => {
      ws = makeProject(c.files);
      const error = await withSession((session) =>
        runModels({ projectDir: ws!.projectDir, session, env: ws!.env }),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedFeatureError);
      const refusal = error as UnsupportedFeatureError;
      expect(refusal.location).toEqual({ file: join(ws.projectDir, c.file), line: c.line });
      expect(refusal.message).toContain(c.feature);
      expect(refusal.message).toContain('not supported by the built-in runner');
      expect(refusal.hint).toContain("'lakehouse.runner' to 'dbt'");
    });
  }

  it('runs a project that sets none of them (the refusals are not blanket)', async () => {
    ws = makeProject({
      [MODEL]: "{{ config(materialized='table', contract={'enforced': false}) }}\nselect 1 as id",
      'models/schema.yml':
        'version: 2\nmodels:\n  - name: m\n    columns:\n      - name: id\n        data_tests:\n          - not_null:\n              config:\n                store_failures: false\n',
    });
    const summary = await withSession((session) => runModels({ projectDir: ws!.projectDir, session, env: ws!.env }));
    expect(summary.success).toBe(true);
    expect(summary.results.map((r) => r.name)).toEqual(['m']);
  });

  it('honours the test configs fail_calc and limit as dbt does (not refused, not ignored)', async () => {
    ws = makeProject({
      [MODEL]: 'select range as id, range % 2 as odd from range(5)',
      'tests/odd_rows.sql': "{{ config(limit=1) }}\nselect * from {{ ref('m') }} where odd = 1",
      'tests/sum_of_ids.sql': "{{ config(fail_calc='sum(id)') }}\nselect id from {{ ref('m') }} where id > 2",
    });
    const summary = await withSession(async (session) => {
      await runModels({ projectDir: ws!.projectDir, session, env: ws!.env });
      return testModels({ projectDir: ws!.projectDir, session, env: ws!.env });
    });
    const failures = Object.fromEntries(summary.results.map((r) => [r.name, r.failures]));
    expect(failures).toEqual({ odd_rows: 1, sum_of_ids: 7 });
  });
});
