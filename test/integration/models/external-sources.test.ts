import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinBuild, DBT_PEER_PROFILE, dbtBuildResults, outcome, queryCatalog, sideBySideProjects } from './helpers';
import { dbt } from './peers';

/**
 * dbt-duckdb's `external_location` sources, built by the runner and by dbt-duckdb from the same
 * project: every formatter (newstyle with a meta key, oldstyle, template), a bare path quoted, a
 * table function call used as is, meta at the source and the table level and under `config:`,
 * and a generic test on an external source. Both sides must build the same tables, give the
 * tests the same unique ids and statuses, and fail alike on a location naming a missing key.
 */
const FILES: Record<string, string> = {
  'profiles.yml': DBT_PEER_PROFILE,
  'data/orders.csv': 'id,amount\n1,10\n2,20\n3,\n',
  'data/returns_2024.csv': 'id,qty\n1,5\n',
  'data/people.csv': 'id,name\n1,ann\n2,bob\n',
  'models/sources.yml': `version: 2
sources:
  - name: files
    meta:
      root: data
    tables:
      - name: orders
        meta:
          external_location: "read_csv('{root}/{name}.csv', header=true)"
        columns:
          - name: id
            data_tests: [not_null, unique]
      - name: returns
        meta:
          external_location: "%(root)s/%(name)s_%(year)s.csv"
          formatter: oldstyle
          year: 2024
      - name: people
        config:
          external_location: "\${root}/\${identifier}.csv"
          formatter: template
`,
  'models/orders_total.sql':
    "{{ config(materialized='table') }}\nselect sum(amount) as total, count(*) as n from {{ source('files', 'orders') }}",
  'models/returned.sql': "{{ config(materialized='table') }}\nselect * from {{ source('files', 'returns') }}",
  'models/people_upper.sql':
    "{{ config(materialized='table') }}\nselect id, upper(name) as name from {{ source('files', 'people') }}",
};

const projects = sideBySideProjects();

describe("dbt-duckdb's external_location sources", () => {
  it('read the same files as dbt-duckdb, with every formatter', async () => {
    const { mine, peer } = projects(FILES, 'external');
    const summary = await builtinBuild(mine);
    const theirs = await dbtBuildResults(peer);
    const statuses = (rows: Array<[string, string]>) => rows.map(([id, status]) => `${id} ${status}`).sort();
    expect(statuses(summary.results.map((r) => [r.uniqueId, r.status]))).toEqual(
      statuses(theirs.map((r) => [r.unique_id, r.status])),
    );
    expect(summary.results.filter((r) => r.resourceType === 'test')).toHaveLength(2);

    // The compiled SQL dbt-duckdb wrote for each model, and ours, name the same location.
    for (const model of ['orders_total', 'returned', 'people_upper']) {
      const compiled = (dir: string) =>
        readFileSync(join(dir, 'target', 'compiled', 'lab', 'models', `${model}.sql`), 'utf8').trim();
      expect(compiled(mine.projectDir), model).toBe(compiled(peer.projectDir));
    }
    expect(
      readFileSync(join(mine.projectDir, 'target', 'compiled', 'lab', 'models', 'returned.sql'), 'utf8'),
    ).toContain("from 'data/returns_2024.csv'");
    const tables = async (ws: typeof mine) =>
      queryCatalog<{ t: string }>(
        ws,
        `SELECT (SELECT total || '/' || n FROM lake.main.orders_total) || ' ' ||
                (SELECT string_agg(id || ':' || qty, ',') FROM lake.main.returned) || ' ' ||
                (SELECT string_agg(name, ',' ORDER BY id) FROM lake.main.people_upper) AS t`,
      );
    expect(await tables(mine)).toEqual(await tables(peer));
    expect((await tables(mine))[0]!.t).toBe('30/3 1:5 ANN,BOB');

    // Files are not catalog tables: a changed file is read again, never skipped as unchanged.
    writeFileSync(join(mine.projectDir, 'data', 'returns_2024.csv'), 'id,qty\n1,5\n2,7\n');
    writeFileSync(join(mine.projectDir, 'data', 'orders.csv'), 'id,amount\n1,10\n');
    const again = await builtinBuild(mine);
    expect(again.results.filter((r) => r.unchanged).map((r) => r.name)).toEqual([]);
    expect((await tables(mine))[0]!.t).toBe('10/1 1:5,2:7 ANN,BOB');
  });

  it('fails like dbt-duckdb on a location naming a key the source does not have', async () => {
    const broken = {
      ...FILES,
      'models/sources.yml': FILES['models/sources.yml']!.replace('{root}/{name}', '{root}/{nope}'),
    };
    const { mine, peer } = projects(broken, 'external-broken');
    const error = await outcome(builtinBuild(mine));
    expect(error).toContain("source('files', 'orders')");
    expect(error).toContain("'nope'");
    const output = await outcome(dbt(peer.projectDir, ['build'], peer.env));
    expect(output).not.toBe('succeeded');
    expect(output).toContain('nope');
  });
});
