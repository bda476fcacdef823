import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LakehouseEntry } from '../../../src/core/config/lakehouseConfig';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import { attachWorkingCatalog } from '../../../src/core/lake/lakeSession';
import { LocalMirror } from '../../../src/core/lake/localMirror';
import { publish } from '../../../src/core/publish/publish';
import { runOnLakehouse } from '../../../src/core/run/runOnLakehouse';
import { duckdb, freshLakehouse } from '../support/lakehouse';

// Small row groups so the mechanism shows on a few thousand rows (DuckDB's floor is 2,048).
const PROFILE = `lab:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: ':memory:'\n      schema: main\n      threads: 1\n`;
// A scrambled key, so sorted and unsorted files differ in every row group's min/max.
const ROWS = (n: number, offset = '0') =>
  `select range + ${offset} as id, ((range + ${offset}) * 7919) % 10007 as k from range(${n})`;

function project(models: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-layout-'));
  const files = {
    'dbt_project.yml': 'name: lab\nprofile: lab\nconfig-version: 2\n',
    'profiles.yml': PROFILE,
    ...models,
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

interface Group {
  file: string;
  rows: number;
  min: number;
  max: number;
}

/** Row groups of a table's live files, read from the Parquet footers (parquet_metadata), in file and group order. */
async function footers(mirror: LocalMirror, table: string): Promise<Group[]> {
  const session = await DuckDBSession.open(duckdb);
  try {
    await attachWorkingCatalog(session, mirror, (await mirror.readState())!, { readOnly: true });
    const files = (
      await session.all<{ data_file: string }>(
        `SELECT data_file FROM ducklake_list_files('lake', ${quoteLiteral(table)}, schema => 'main') ORDER BY data_file`,
      )
    ).map((r) => r.data_file);
    const rows = await session.all<{ file_name: string; rows: bigint; lo: bigint; hi: bigint }>(
      `SELECT file_name, row_group_id, row_group_num_rows AS rows, stats_min::BIGINT AS lo, stats_max::BIGINT AS hi
         FROM parquet_metadata([${files.map(quoteLiteral).join(', ')}]) WHERE path_in_schema = 'k'
         ORDER BY file_name, row_group_id`,
    );
    return rows.map((r) => ({ file: r.file_name, rows: Number(r.rows), min: Number(r.lo), max: Number(r.hi) }));
  } finally {
    session.close();
  }
}

/** The catalog's own layout options, as `scope:entry:option` → value. */
async function options(mirror: LocalMirror): Promise<Record<string, string>> {
  const session = await DuckDBSession.open(duckdb);
  try {
    await attachWorkingCatalog(session, mirror, (await mirror.readState())!, { readOnly: true });
    const rows = await session.all<{ option_name: string; value: string; scope: string; scope_entry: string | null }>(
      `SELECT option_name, value, scope, scope_entry FROM lake.options() WHERE option_name IN ('parquet_row_group_size', 'target_file_size')`,
    );
    return Object.fromEntries(rows.map((r) => [`${r.scope}:${r.scope_entry ?? ''}:${r.option_name}`, String(r.value)]));
  } finally {
    session.close();
  }
}

const sizes = (groups: Group[]) => groups.map((g) => g.rows);
const sortedAcrossGroups = (groups: Group[]) => groups.every((g, i) => i === 0 || groups[i - 1]!.max <= g.min);

async function setup(layout: LakehouseEntry['layout']) {
  const lake = await freshLakehouse();
  await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
  const entry: LakehouseEntry = { ...lake.entry, layout };
  return { lake, entry };
}

describe('Direct Lake layout: row groups and sort from the settings, read back from the Parquet footers', () => {
  it("a run writes the lakehouse's row-group size; a model's lakehouse_layout overrides it with its own and a sort", async () => {
    const { lake, entry } = await setup({ rowGroupSize: 4096 });
    const dir = project({
      'models/wide.sql': `{{ config(materialized='table') }}\n${ROWS(10_000)}`,
      'models/sorted.sql': `{{ config(materialized='table', lakehouse_layout={'row_group_size': 6144, 'sorted_by': ['k'], 'target_file_size': '64MB'}) }}\n${ROWS(20_000)}`,
    });
    const mirror = LocalMirror.forLakehouse(dir, 'lab');
    const result = await runOnLakehouse({ ...lake, entry, mirror, duckdb, projectDir: dir, publish: true });
    expect(result.run.success, JSON.stringify(result.run.results)).toBe(true);
    expect(result.publish?.status).toBe('published');

    const wide = await footers(mirror, 'wide');
    expect(sizes(wide)).toEqual([4096, 4096, 1808]);
    expect(sortedAcrossGroups(wide)).toBe(false);

    const sorted = await footers(mirror, 'sorted');
    expect(sizes(sorted)).toEqual([6144, 6144, 6144, 1568]);
    expect(sortedAcrossGroups(sorted)).toBe(true);

    // The catalog keeps both: the lakehouse's for every writer, the model's on its table.
    const held = await options(mirror);
    expect(held).toMatchObject({
      'GLOBAL::parquet_row_group_size': '4096',
      'TABLE:main.sorted:parquet_row_group_size': '6144',
      'TABLE:main.sorted:target_file_size': '64000000',
    });
    // The model's size was the lake's only for its own write: the lake-wide value is DuckLake's again.
    expect(held['GLOBAL::target_file_size']).not.toBe('64000000');
    // What was uploaded is what the footers were read from.
    const uploaded = await lake.store.blob(`Tables/main/sorted/${sorted[0]!.file.split('/').pop()}`).exists();
    expect(uploaded).toBe(true);
  });

  it("maintenance at publish merges small files into the model's layout, and others into the lakehouse's as it is now", async () => {
    const { lake, entry } = await setup({ rowGroupSize: 4096 });
    const dir = project({
      'models/events.sql': `{{ config(materialized='incremental', lakehouse_layout={'row_group_size': 8192, 'sorted_by': 'k'}) }}\n${ROWS(3000, "{{ var('batch') }} * 3000")}`,
      'models/plain.sql': `{{ config(materialized='incremental') }}\n${ROWS(3000, "{{ var('batch') }} * 3000")}`,
    });
    const mirror = LocalMirror.forLakehouse(dir, 'lab');
    for (let batch = 0; batch < 4; batch++) {
      const run = await runOnLakehouse({ ...lake, entry, mirror, duckdb, projectDir: dir, vars: { batch } });
      expect(run.run.success, JSON.stringify(run.run.results)).toBe(true);
    }
    // Four appends, four small files each, one row group apiece.
    expect(sizes(await footers(mirror, 'events'))).toEqual([3000, 3000, 3000, 3000]);
    expect(sizes(await footers(mirror, 'plain'))).toEqual([3000, 3000, 3000, 3000]);

    // lakehouse.yml changed since the runs: publish's maintenance writes the new lake-wide size.
    const session = await DuckDBSession.open(duckdb);
    try {
      const summary = await publish({
        entry: { ...entry, layout: { rowGroupSize: 12_288 } },
        store: lake.store,
        guard: lake.guard,
        mirror,
        session,
      });
      expect(summary.status).toBe('published');
    } finally {
      session.close();
    }
    const events = await footers(mirror, 'events');
    expect(new Set(events.map((g) => g.file)).size).toBe(1);
    expect(sizes(events)).toEqual([8192, 3808]);
    expect(sortedAcrossGroups(events)).toBe(true);
    const plain = await footers(mirror, 'plain');
    expect(sizes(plain)).toEqual([12_000]);
    expect(await options(mirror)).toMatchObject({ 'GLOBAL::parquet_row_group_size': '12288' });
  });
});
