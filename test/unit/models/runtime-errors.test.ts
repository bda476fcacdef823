import { describe, expect, it } from 'vitest';
import { injectCtes } from '../../../src/core/models/compile';
import { emptyConfig, folderConfig, mergeConfig } from '../../../src/core/models/node-config';
import { splitDuckDBMessage, toRuntimeError } from '../../../src/core/models/sql-errors';

describe('DuckDB errors mapped to the model file', () => {
  const raw = "{{ config(materialized='table') }}\n\nselect\n  a,\n  {{ col }}\n  bogus(1) as c\nfrom t\n";
  const compiled = '\n\nselect\n  a,\n  b\n  bogus(1) as c\nfrom t\n';
  const statement = `CREATE OR REPLACE TABLE "lake"."main"."m" AS (\n${compiled}\n)`;

  it('finds the source line by the text of the line DuckDB reports', () => {
    const error = new Error(
      'Catalog Error: Scalar Function with name bogus does not exist!\n\nLINE 7:   bogus(1) as c\n          ^',
    );
    const mapped = toRuntimeError(error, {
      statement,
      compiledSql: compiled,
      file: { path: '/p/models/m.sql', raw },
      what: 'model m',
    });
    expect(mapped.location).toEqual({ file: '/p/models/m.sql', line: 6 });
    expect(mapped.message).toContain('model m failed: Catalog Error: Scalar Function with name bogus does not exist!');
    expect(mapped.message).not.toContain('LINE 7');
  });

  it('falls back to line 1 without a position, and says so plainly', () => {
    const mapped = toRuntimeError(new Error('Conversion Error: could not convert'), {
      statement,
      compiledSql: compiled,
      file: { path: '/p/m.sql', raw },
      what: 'model m',
    });
    expect(mapped.location).toEqual({ file: '/p/m.sql', line: 1 });
    expect(splitDuckDBMessage('Parser Error: x\n\nLINE 3: y')).toEqual({ summary: 'Parser Error: x', line: 3 });
  });

  it('suggests the dbt runner for statements DuckLake does not support', () => {
    const mapped = toRuntimeError(new Error('Not implemented Error: DuckLake does not support indexes'), {
      statement,
      compiledSql: compiled,
      what: 'model m',
    });
    expect(mapped.hint).toContain("'lakehouse.runner' to 'dbt'");
  });
});

describe('ephemeral CTE injection', () => {
  it('prepends a WITH, or merges into the existing one after leading comments', () => {
    expect(injectCtes('select 1', [['__dbt__cte__a', 'select 2']])).toBe(
      'with __dbt__cte__a as (\nselect 2\n)\nselect 1',
    );
    expect(injectCtes('-- c\n/* d */ WITH x as (select 1) select * from x', [['__dbt__cte__a', 'select 2']])).toBe(
      '-- c\n/* d */ with __dbt__cte__a as (\nselect 2\n),\nx as (select 1) select * from x',
    );
    expect(injectCtes('with recursive r as (select 1) select 1', [['e', 's']])).toBe(
      'with recursive e as (\ns\n),\nr as (select 1) select 1',
    );
  });
});

describe('config resolution', () => {
  it('applies folder blocks general to specific; tags add up, hooks append, the rest override', () => {
    const tree = {
      '+materialized': 'view',
      '+tags': ['all'],
      shop: {
        staging: { '+schema': 'stg', '+tags': 'staging', 'post-hook': 'select 1', deep: { materialized: 'table' } },
        marts: { '+materialized': 'table' },
      },
    };
    const levels = folderConfig(tree, ['shop', 'staging', 'deep', 'model_x']);
    let config = levels.reduce(mergeConfig, emptyConfig());
    config = mergeConfig(config, { tags: ['mine'], post_hook: ['select 2'], materialized: 'incremental' });
    expect(config).toMatchObject({
      materialized: 'incremental',
      schema: 'stg',
      tags: ['all', 'staging', 'mine'],
      post_hook: ['select 1', 'select 2'],
    });
    const marts = folderConfig(tree, ['shop', 'marts', 'm']).reduce(mergeConfig, emptyConfig());
    expect(marts).toMatchObject({ materialized: 'table', tags: ['all'] });
    expect(marts.schema).toBeUndefined();
  });
});
