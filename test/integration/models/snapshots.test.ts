import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildProject, snapshotProject, UnsupportedFeatureError } from '../../../src/core/models';
import type { RunSummary } from '../../../src/core/models/types';
import { makeProject, makeWorkspace, queryCatalog, withSession, type Workspace } from './helpers';
import { dbt, requireDbt } from './peers';

/**
 * Snapshots in the built-in runner against real dbt-duckdb, over four rounds of source
 * changes (updates, an update only the check strategy sees, hard deletes, a re-insert, a
 * name change only `check_cols: all` sees). The built-in runner writes into the DuckLake
 * catalog; dbt-duckdb 1.10 cannot run a second snapshot into an attached DuckLake (its
 * staging table and the snapshot sit in one transaction over two databases), so the peer
 * writes a plain DuckDB file. The tables must hold the same rows.
 *
 * What is compared as is: every source column, the column list and types, and for the
 * timestamp strategy dbt_scd_id, dbt_updated_at, dbt_valid_from and a dbt_valid_to that
 * closes a version at its successor's change time — all derived from the data. What dbt
 * itself makes time-dependent is normalized: the check strategy takes `now()` as the
 * change time (so its dbt_scd_id, dbt_updated_at, dbt_valid_from, dbt_valid_to), and a
 * hard delete closes a row at `now()`. Those become each key's version number and whether
 * the version is open, closed, or carries dbt_valid_to_current.
 */
const FIXTURE = resolve(import.meta.dirname, '../../fixtures/snapshots');

interface SnapshotTable {
  schema: string;
  name: string;
  keys: string[];
  timeFromData: boolean;
  columns: string[];
}

const TABLES: SnapshotTable[] = [
  {
    schema: 'main',
    name: 'customers_ts',
    keys: ['id'],
    timeFromData: true,
    columns: ['id', 'region', 'name', 'email', 'tier', 'updated_at'],
  },
  {
    schema: 'main',
    name: 'customers_yaml',
    keys: ['id'],
    timeFromData: true,
    columns: ['id', 'region', 'name', 'email', 'tier', 'updated_at'],
  },
  {
    schema: 'main',
    name: 'customers_check',
    keys: ['id'],
    timeFromData: false,
    columns: ['id', 'region', 'name', 'email', 'tier'],
  },
  {
    schema: 'main_history',
    name: 'customers_check_all',
    keys: ['region', 'id'],
    timeFromData: false,
    columns: ['region', 'id', 'name', 'email', 'tier'],
  },
];

function normalizedSql(database: string, t: SnapshotTable): string {
  const partition = `partition by ${t.keys.join(', ')} order by dbt_valid_from`;
  const fromData = t.timeFromData
    ? `dbt_scd_id, cast(dbt_updated_at as varchar) as updated, cast(dbt_valid_from as varchar) as valid_from,`
    : '';
  return `
    select ${t.columns.join(', ')}, ${fromData}
      row_number() over (${partition}) as version,
      case
        when dbt_valid_to is null then 'open'
        when dbt_valid_to = cast('9999-12-31' as timestamp) then 'current (dbt_valid_to_current)'
        ${t.timeFromData ? `when dbt_valid_to = lead(dbt_valid_from) over (${partition}) then 'closed at ' || cast(dbt_valid_to as varchar)` : ''}
        else 'closed'
      end as valid_to
    from "${database}"."${t.schema}"."${t.name}"
    order by ${t.keys.join(', ')}, version`;
}

const COLUMNS_SQL = (database: string) => `
  select table_schema || '.' || table_name as t, string_agg(column_name || ' ' || data_type, ', ' order by ordinal_position) as c
  from information_schema.columns where table_catalog = '${database}' and table_name like 'customers_%' group by 1 order by 1`;

async function readMine(ws: Workspace) {
  const tables: Record<string, unknown[]> = {};
  for (const t of TABLES) tables[t.name] = await queryCatalog(ws, normalizedSql('lake', t));
  return { tables, columns: await queryCatalog(ws, COLUMNS_SQL('lake')) };
}

async function readPeer(file: string) {
  return withSession(async (session) => {
    await session.run(`ATTACH '${file}' AS plain (READ_ONLY)`);
    const tables: Record<string, unknown[]> = {};
    for (const t of TABLES) tables[t.name] = await session.all(normalizedSql('plain', t));
    return { tables, columns: await session.all(COLUMNS_SQL('plain')) };
  });
}

function expectSuccess(summary: RunSummary) {
  const failed = summary.results.filter((r) => r.status !== 'success').map((r) => [r.name, r.message]);
  expect(summary.success, JSON.stringify(failed)).toBe(true);
}

describe('snapshots vs dbt-duckdb over four rounds of source changes', () => {
  let mine: Workspace;
  let peer: Workspace;
  const skip = /[\\/](rounds|target|logs)$/;
  beforeAll(() => {
    requireDbt();
    mine = makeWorkspace('snapshots', 'snap-builtin', { source: FIXTURE, landingEnv: 'SNAP_LANDING', skip });
    peer = makeWorkspace('snapshots', 'snap-dbt', { source: FIXTURE, landingEnv: 'SNAP_LANDING', skip });
    peer.env.SNAP_PLAIN_DB = join(peer.root, 'snap.duckdb');
  });
  afterAll(() => {
    mine?.cleanup();
    peer?.cleanup();
  });

  for (const round of [1, 2, 3, 4]) {
    it(`holds the same history as dbt after round ${round}`, async () => {
      cpSync(join(FIXTURE, 'rounds', String(round), 'customers.csv'), join(mine.landingPath, 'customers.csv'));
      cpSync(join(FIXTURE, 'rounds', String(round), 'customers.csv'), join(peer.landingPath, 'customers.csv'));
      const summary = await withSession((session) =>
        buildProject({ projectDir: mine.projectDir, session, env: mine.env }),
      );
      expectSuccess(summary);
      expect(summary.results.filter((r) => r.resourceType === 'snapshot').map((r) => r.name)).toEqual([
        'customers_check',
        'customers_check_all',
        'customers_ts',
        'customers_yaml',
      ]);
      await dbt(peer.projectDir, ['build', '--target', 'plain'], peer.env);
      const [ours, theirs] = [await readMine(mine), await readPeer(peer.env.SNAP_PLAIN_DB!)];
      expect(ours.columns).toEqual(theirs.columns);
      for (const t of TABLES)
        expect(ours.tables[t.name], `${t.name} after round ${round}`).toEqual(theirs.tables[t.name]);
    });
  }

  it('ends with the history the strategies explain', async () => {
    const versions = async (table: string, where: string) =>
      (await queryCatalog<{ n: bigint }>(mine, `select count(*) as n from lake.${table} where ${where}`))[0]!.n;
    // Bob's tier changed with no new updated_at: the check strategy records it, the timestamp one cannot.
    expect(await versions('main.customers_check', 'id = 2')).toBe(2n);
    expect(await versions('main.customers_ts', 'id = 2')).toBe(1n);
    // Cy was deleted in round 2 and came back in round 3: invalidated, then a new open version.
    expect(await versions('main.customers_ts', 'id = 3 and dbt_valid_to is null')).toBe(1n);
    expect(await versions('main.customers_ts', 'id = 3')).toBe(2n);
    // hard deletes ignored (the YAML snapshot's default): Eve stays open after leaving in round 3.
    expect(await versions('main.customers_yaml', 'id = 5 and dbt_valid_to is null')).toBe(1n);
    expect(await versions('main.customers_ts', 'id = 5 and dbt_valid_to is null')).toBe(0n);
    // Dee's rename is seen by check_cols: all, not by check_cols [email, tier].
    expect(await versions('main_history.customers_check_all', "id = 4 and name = 'Deirdre'")).toBe(2n);
    expect(await versions('main.customers_check', "id = 4 and name = 'Deirdre'")).toBe(1n);
    // dbt_valid_to_current: open rows carry the configured end instead of null.
    expect(await versions('main_history.customers_check_all', 'dbt_valid_to is null')).toBe(0n);
  });
});

describe('snapshot configs the built-in runner refuses where they are set', () => {
  const cases = [
    {
      name: "hard_deletes: 'new_record'",
      config: "strategy='timestamp', unique_key='id', updated_at='ts', hard_deletes='new_record'",
      feature: "hard_deletes: 'new_record'",
    },
    {
      name: 'renamed meta columns',
      config:
        "strategy='timestamp', unique_key='id', updated_at='ts', snapshot_meta_column_names={'dbt_valid_to': 'valid_to'}",
      feature: 'Renamed snapshot meta columns',
    },
    {
      name: 'a custom strategy',
      config: "strategy='my_pkg.rolling', unique_key='id'",
      feature: "The snapshot strategy 'my_pkg.rolling'",
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}`, async () => {
      const ws = makeProject({
        'models/m.sql': "select 1 as id, timestamp '2024-01-01' as ts",
        'snapshots/s.sql': `-- a snapshot\n\n{% snapshot s %}\n{{ config(${c.config}) }}\nselect * from {{ ref('m') }}\n{% endsnapshot %}\n`,
      });
      try {
        const error = await withSession((session) =>
          snapshotProject({ projectDir: ws.projectDir, session, env: ws.env }),
        ).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UnsupportedFeatureError);
        expect((error as UnsupportedFeatureError).location).toEqual({
          file: join(ws.projectDir, 'snapshots/s.sql'),
          line: 4,
        });
        expect((error as Error).message).toContain(c.feature);
      } finally {
        ws.cleanup();
      }
    });
  }
});

describe("a package's snapshots", () => {
  it('are refused at the block, not silently left out', async () => {
    const ws = makeProject({
      'models/m.sql': 'select 1 as id',
      'dbt_packages/history/dbt_project.yml': 'name: history\nconfig-version: 2\n',
      'dbt_packages/history/snapshots/h.sql':
        "\n{% snapshot h %}\n{{ config(strategy='check', unique_key='id', check_cols='all') }}\nselect 1 as id\n{% endsnapshot %}\n",
    });
    try {
      const error = await withSession((session) =>
        snapshotProject({ projectDir: ws.projectDir, session, env: ws.env }),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedFeatureError);
      expect((error as UnsupportedFeatureError).location).toEqual({
        file: join(ws.projectDir, 'dbt_packages/history/snapshots/h.sql'),
        line: 2,
      });
      expect((error as Error).message).toContain("A package's snapshots");
    } finally {
      ws.cleanup();
    }
  });
});
