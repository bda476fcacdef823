import { describe, expect, it } from 'vitest';
import { externalLocationOf, renderExternalLocation } from '../../../src/core/models/external-source';
import type { SourceTable } from '../../../src/core/models/types';

const TABLE: SourceTable = {
  sourceName: 'raw',
  name: 'orders',
  schema: 'landing',
  identifier: 'orders_v2',
  columns: [],
  tests: [],
  file: '/p/models/sources.yml',
};

const render = (meta: Record<string, unknown>) =>
  renderExternalLocation(TABLE, externalLocationOf({}, { meta })!, 'lake');

describe('external_location as dbt-duckdb formats it', () => {
  it('fills newstyle fields (the default), with {{ }} as literal braces', () => {
    expect(render({ external_location: 's3://b/{schema}/{identifier}.parquet' })).toBe(
      "'s3://b/landing/orders_v2.parquet'",
    );
    expect(render({ external_location: "read_json('x.json', columns={{id: 'INT'}})" })).toBe(
      "read_json('x.json', columns={id: 'INT'})",
    );
    expect(render({ external_location: '{database}/{name}-{year}.csv', year: 2024 })).toBe("'lake/orders-2024.csv'");
  });

  it('fills oldstyle %(key)s and %%, and template $key, ${key} and $$', () => {
    expect(render({ external_location: '%(name)s_%%.csv', formatter: 'oldstyle' })).toBe("'orders_%.csv'");
    expect(render({ external_location: "read_csv('a.csv', columns={'id': 'INT'})", formatter: 'oldstyle' })).toBe(
      "read_csv('a.csv', columns={'id': 'INT'})",
    );
    expect(render({ external_location: '$schema/${name}$$.csv', formatter: 'template' })).toBe("'landing/orders$.csv'");
  });

  it('quotes a bare path, never a function call or an already quoted one', () => {
    expect(render({ external_location: "'already.csv'" })).toBe("'already.csv'");
    expect(render({ external_location: 'plain.csv' })).toBe("'plain.csv'");
  });

  it('merges meta as dbt does: source, its config, table, its config; config extras last', () => {
    const location = externalLocationOf(
      { meta: { root: 'a', external_location: '{root}/{name}' }, config: { meta: { root: 'b' } } },
      { meta: { root: 'c' }, config: { root: 'd', enabled: true } },
    )!;
    expect(renderExternalLocation(TABLE, location, 'lake')).toBe("'d/orders'");
    expect(externalLocationOf({}, { meta: { other: 1 } })).toBeUndefined();
  });

  it('says which source and key a location names that it does not have, and refuses what it does not read', () => {
    expect(() => render({ external_location: '{nope}.csv' })).toThrow(/source\('raw', 'orders'\) names 'nope'/);
    expect(() => render({ external_location: '{name!r}.csv' })).toThrow(/does not read/);
    expect(() => render({ external_location: '{name:>10}.csv' })).toThrow(/does not read/);
    expect(() => render({ external_location: 'a { b' })).toThrow(/does not read/);
    expect(() => render({ external_location: '%(name)d', formatter: 'oldstyle' })).toThrow(/does not read/);
    expect(() => render({ external_location: 'a$', formatter: 'template' })).toThrow(/does not read/);
    expect(() => render({ external_location: 'x', formatter: 'jinja' })).toThrow(/Formatter jinja not recognized/);
  });
});
