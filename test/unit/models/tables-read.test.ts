import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tablesReadByRun } from '../../../src/core/models/tables-read';
import type { RunCommand } from '../../../src/core/models/types';

const FILES: Record<string, string> = {
  'profiles.yml': [
    'shop:',
    '  target: dev',
    '  outputs:',
    '    dev:',
    '      type: duckdb',
    "      path: ':memory:'",
    '      database: lake',
    '      schema: main',
    '      attach:',
    "        - path: 'ducklake:sqlite:lake/metadata.db'",
    '          alias: lake',
    '',
  ].join('\n'),
  'seeds/countries.csv': 'id,name\n1,NL\n2,BE\n',
  'models/schema.yml': [
    'version: 2',
    'sources:',
    '  - name: shop',
    '    tables:',
    '      - name: orders',
    'models:',
    '  - name: by_country',
    '    columns:',
    '      - name: country',
    '        data_tests: [not_null]',
    '',
  ].join('\n'),
  'models/stg_orders.sql': "{{ config(materialized='view') }}\nselect * from {{ source('shop', 'orders') }}\n",
  'models/orders_inc.sql': "{{ config(materialized='incremental') }}\nselect * from {{ ref('stg_orders') }}\n",
  'models/eph.sql': "{{ config(materialized='ephemeral') }}\nselect * from {{ ref('countries') }}\n",
  'models/by_country.sql':
    "{{ config(materialized='table') }}\nselect o.*, e.name as country from {{ ref('orders_inc') }} o join {{ ref('eph') }} e using (id)\n",
  'models/selfref.sql': "{{ config(materialized='table') }}\nselect id from {{ this }} union all select 1\n",
  'models/hooked.sql': "{{ config(materialized='table', post_hook='select 1') }}\nselect 1 as x\n",
  'models/dyn.sql': "{{ config(materialized='table') }}\nselect {{ my_cols() }} from {{ ref('countries') }}\n",
  'models/static_macro.sql':
    "{{ config(materialized='table') }}\nselect {{ plain() }} as x from {{ ref('countries') }}\n",
  'macros/cols.sql': [
    "{% macro my_cols() %}{{ return(adapter.dispatch('my_cols')()) }}{% endmacro %}",
    "{% macro default__my_cols() %}{% set r = run_query('select 1') %}id{% endmacro %}",
    '{% macro plain() %}1 {# run_query in a comment is text #}{% endmacro %}',
    '',
  ].join('\n'),
  'snapshots/snap.sql':
    "{% snapshot snap %}\n{{ config(target_schema='snaps', unique_key='id', strategy='check', check_cols='all') }}\nselect * from {{ ref('countries') }}\n{% endsnapshot %}\n",
};

function project(projectExtra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'tables-read-'));
  const files = {
    ...FILES,
    'dbt_project.yml': `name: shop\nversion: '1.0'\nconfig-version: 2\nprofile: shop\n${projectExtra}`,
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const read = (dir: string, command: RunCommand, select?: string[]) =>
  tablesReadByRun(command, {
    projectDir: dir,
    profilesDir: dir,
    ...(select ? { select } : {}),
    env: {},
    catalogOverride: { catalogPath: join(dir, 'mirror/metadata.db'), dataPath: join(dir, 'mirror/data') },
  });

const names = (result: Awaited<ReturnType<typeof read>>) =>
  'tables' in result ? result.tables.map((t) => `${t.schema}.${t.table}`) : result;

describe('the tables a run reads, found before the pull', () => {
  const dir = project();

  it('a table model reads its refs (through an ephemeral model) but not its own old table', async () => {
    expect(names(await read(dir, 'run', ['by_country']))).toEqual(['main.countries', 'main.orders_inc']);
  });

  it('a table model that names {{ this }} reads its old table', async () => {
    expect(names(await read(dir, 'run', ['selfref']))).toEqual(['main.selfref']);
  });

  it('an incremental model reads its own table, and a view parent reads its source', async () => {
    expect(names(await read(dir, 'run', ['orders_inc']))).toEqual([
      'main.orders_inc',
      'main.stg_orders',
      'shop.orders',
    ]);
  });

  it("tests read the models they test; seeds and snapshots their own tables and the snapshot's query", async () => {
    expect(names(await read(dir, 'test', ['by_country']))).toEqual(['main.by_country']);
    expect(names(await read(dir, 'seed'))).toEqual(['main.countries']);
    expect(names(await read(dir, 'snapshot'))).toEqual(['main.countries', 'snaps.snap']);
  });

  it('a macro without queries keeps the list; one that queries (through adapter.dispatch) means everything', async () => {
    expect(names(await read(dir, 'run', ['static_macro']))).toEqual(['main.countries']);
    expect(await read(dir, 'run', ['dyn'])).toEqual({
      everything: 'dyn uses the macro default__my_cols, which queries the database while rendering',
    });
  });

  it('hooks of a node or of the project mean everything', async () => {
    expect(await read(dir, 'run', ['hooked'])).toEqual({ everything: 'hooked has hooks' });
    expect(await read(project("on-run-end: ['select 1']\n"), 'run', ['by_country'])).toEqual({
      everything: 'the project has on-run-start/on-run-end hooks',
    });
  });
});
