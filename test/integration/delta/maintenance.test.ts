import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { knownStates } from '../../../src/core/delta/report';
import { logFiles, peerPython, readAll, readWithDeltaRs, readWithDuckDBDelta, tableReport, TestLake } from './helpers';

const execFileAsync = promisify(execFile);

function commitActions(text: string): Record<string, Record<string, unknown>>[] {
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

async function readCommit(folder: string, version: number) {
  return commitActions(await readFile(join(folder, '_delta_log', `${String(version).padStart(20, '0')}.json`), 'utf8'));
}

describe('Delta export around DuckLake maintenance', () => {
  let lake: TestLake;
  afterEach(async () => {
    await lake.close();
  });

  it('compaction (merge_adjacent_files) becomes removes + adds with dataChange false, same rows, 3 requests', async () => {
    lake = await TestLake.create();
    await lake.sql('CREATE TABLE lake.main.m (id INTEGER, v VARCHAR)');
    for (let i = 0; i < 4; i++) {
      await lake.sql(`INSERT INTO lake.main.m SELECT x, 'v' || x FROM range(${i * 50}, ${i * 50 + 50}) r(x)`);
      expect(tableReport(await lake.export(), 'main.m')).toMatchObject({ version: i, adds: 1 });
    }

    await lake.sql(`CALL ducklake_merge_adjacent_files('lake')`);
    const files = await lake.catalog<{ n: bigint }>(
      'SELECT count(*) AS n FROM ducklake_data_file WHERE end_snapshot IS NULL',
    );
    expect(Number(files[0]!.n)).toBe(1);

    const second = tableReport(await lake.export(), 'main.m');
    expect(second).toMatchObject({
      status: 'updated',
      version: 4,
      adds: 1,
      removes: 4,
      dataChange: false,
      metadataChanged: false,
    });
    // list + read the latest commit + put: the catalog (merged files are still listed for
    // deletion) vouched for the old file set, so versions 0-2 were not replayed.
    expect(second.requests).toEqual({ reads: 1, lists: 1, writes: 1, total: 3 });

    const folder = join(lake.tablesRoot, 'main/m');
    const commit = await readCommit(folder, 4);
    expect(commit[0]!.commitInfo!.operation).toBe('OPTIMIZE');
    expect(commit.filter((a) => a.remove).every((a) => a.remove!.dataChange === false)).toBe(true);
    expect(commit.filter((a) => a.add).every((a) => a.add!.dataChange === false)).toBe(true);

    const { expected, duckdb, deltaRs } = await readAll(lake, 'main.m', folder);
    expect(expected.rows).toBe(200);
    expect(duckdb).toEqual(expected);
    expect({ rows: deltaRs.rows, hash: deltaRs.hash }).toEqual(expected);
    expect(deltaRs.files).toBe(1);
  });

  it('an insert next to a compaction is a data change', async () => {
    lake = await TestLake.create();
    await lake.sql('CREATE TABLE lake.main.m (id INTEGER)');
    await lake.sql('INSERT INTO lake.main.m SELECT * FROM range(10)');
    await lake.sql('INSERT INTO lake.main.m SELECT * FROM range(10, 20)');
    await lake.export();
    await lake.sql('INSERT INTO lake.main.m SELECT * FROM range(20, 30)');
    await lake.sql(`CALL ducklake_merge_adjacent_files('lake')`);
    const t = tableReport(await lake.export(), 'main.m');
    expect(t).toMatchObject({ status: 'updated', version: 1, removes: 2, adds: 1, dataChange: true });
    const { expected, duckdb, deltaRs } = await readAll(lake, 'main.m', join(lake.tablesRoot, 'main/m'));
    expect(expected.rows).toBe(30);
    expect(duckdb).toEqual(expected);
    expect({ rows: deltaRs.rows, hash: deltaRs.hash }).toEqual(expected);
  });

  it('refuses a table with live delete files until ducklake_rewrite_data_files, then exports the deletes', async () => {
    lake = await TestLake.create();
    await lake.sql('CREATE TABLE lake.main.d (id INTEGER, v VARCHAR)');
    await lake.sql(`INSERT INTO lake.main.d SELECT x, 'v' || x FROM range(100) r(x)`);
    await lake.sql('CREATE TABLE lake.main.other (id INTEGER)');
    await lake.sql('INSERT INTO lake.main.other VALUES (1)');
    await lake.export();
    await lake.sql('DELETE FROM lake.main.d WHERE id % 10 = 0');
    await lake.sql('INSERT INTO lake.main.other VALUES (2)');

    const blocked = await lake.export();
    const d = tableReport(blocked, 'main.d');
    expect(d.status).toBe('skipped');
    expect(d.skipped?.code).toBe('delete-files');
    expect(d.skipped?.message).toContain('main.d');
    expect(d.skipped?.hint).toContain(
      `ducklake_rewrite_data_files('lake', 'd', schema => 'main', delete_threshold => 0)`,
    );
    // Other tables still export.
    expect(tableReport(blocked, 'main.other')).toMatchObject({ status: 'updated', version: 1 });
    const folder = join(lake.tablesRoot, 'main/d');
    expect(await logFiles(folder)).toEqual(['00000000000000000000.json']);

    await lake.sql(`CALL ducklake_rewrite_data_files('lake', 'd', schema => 'main', delete_threshold => 0)`);
    const after = tableReport(await lake.export(), 'main.d');
    expect(after).toMatchObject({ status: 'updated', version: 1, adds: 1, removes: 1, dataChange: true });
    const { expected, duckdb, deltaRs } = await readAll(lake, 'main.d', folder);
    expect(expected.rows).toBe(90);
    expect(duckdb).toEqual(expected);
    expect({ rows: deltaRs.rows, hash: deltaRs.hash }).toEqual(expected);
  });

  it('reports inlined rows and inlined deletes until they are flushed', async () => {
    lake = await TestLake.create({ inliningRowLimit: 50 });
    await lake.sql('CREATE TABLE lake.main.small (id INTEGER, v VARCHAR)');
    await lake.sql(`INSERT INTO lake.main.small VALUES (1, 'a'), (2, 'b')`);
    const blocked = tableReport(await lake.export(), 'main.small');
    expect(blocked.skipped?.code).toBe('inlined-data');
    expect(blocked.skipped?.message).toContain('2 row(s)');
    expect(blocked.skipped?.hint).toContain(
      `ducklake_flush_inlined_data('lake', schema_name => 'main', table_name => 'small')`,
    );

    await lake.sql(`CALL ducklake_flush_inlined_data('lake', schema_name => 'main', table_name => 'small')`);
    await lake.sql(`INSERT INTO lake.main.small SELECT x, 'big' FROM range(100, 300) r(x)`);
    expect(tableReport(await lake.export(), 'main.small')).toMatchObject({ status: 'created', adds: 2 });

    // A small delete of Parquet rows is kept in the catalog (ducklake_inlined_delete_<table>).
    await lake.sql('DELETE FROM lake.main.small WHERE id IN (1, 150)');
    const deletes = tableReport(await lake.export(), 'main.small');
    expect(deletes.skipped?.code).toBe('delete-files');

    await lake.sql(`CALL ducklake_flush_inlined_data('lake', schema_name => 'main', table_name => 'small')`);
    await lake.sql(`CALL ducklake_rewrite_data_files('lake', 'small', schema => 'main', delete_threshold => 0)`);
    const fixed = tableReport(await lake.export(), 'main.small');
    expect(fixed).toMatchObject({ status: 'updated', version: 1, dataChange: true });
    const { expected, duckdb, deltaRs } = await readAll(lake, 'main.small', join(lake.tablesRoot, 'main/small'));
    expect(expected.rows).toBe(200);
    expect(duckdb).toEqual(expected);
    expect({ rows: deltaRs.rows, hash: deltaRs.hash }).toEqual(expected);
  });

  it('CREATE OR REPLACE TABLE writes a replacing commit (new table id, old files removed)', async () => {
    lake = await TestLake.create();
    await lake.sql('CREATE TABLE lake.main.r AS SELECT range AS id FROM range(10)');
    await lake.export();
    await lake.sql(`CREATE OR REPLACE TABLE lake.main.r AS SELECT range AS id, 'new' AS tag FROM range(5)`);
    const report = await lake.export();
    const t = tableReport(report, 'main.r');
    expect(t).toMatchObject({
      status: 'updated',
      version: 1,
      adds: 1,
      removes: 1,
      metadataChanged: true,
      dataChange: true,
    });
    expect(report.dropped).toEqual([]);
    const folder = join(lake.tablesRoot, 'main/r');
    const [v0, v1] = [await readCommit(folder, 0), await readCommit(folder, 1)];
    expect(v1.find((a) => a.metaData)!.metaData!.id).not.toBe(v0.find((a) => a.metaData)!.metaData!.id);
    const { expected, duckdb, deltaRs } = await readAll(lake, 'main.r', folder);
    expect(expected.rows).toBe(5);
    expect(duckdb).toEqual(expected);
    expect({ rows: deltaRs.rows, hash: deltaRs.hash }).toEqual(expected);
  });

  it('a dropped DuckLake table is dropped from Delta too: one remove-all commit, read back empty, files kept, idempotent', async () => {
    lake = await TestLake.create();
    await lake.sql('CREATE TABLE lake.main.gone AS SELECT range AS id FROM range(3)');
    await lake.sql('INSERT INTO lake.main.gone SELECT range AS id FROM range(3, 6)');
    await lake.sql('CREATE TABLE lake.main.kept AS SELECT range AS id FROM range(3)');
    const first = await lake.export();
    const folder = join(lake.tablesRoot, 'main/gone');
    expect((await readWithDeltaRs(folder)).rows).toBe(6);
    await lake.sql('DROP TABLE lake.main.gone');
    const report = await lake.export({ known: knownStates(first) });
    expect(report.dropped).toEqual([
      expect.objectContaining({ schema: 'main', name: 'gone', folder: 'main/gone/', delta: 'emptied', version: 1 }),
    ]);
    expect(report.tables.map((t) => t.name)).toEqual(['kept']);
    const commit = await readCommit(folder, 1);
    expect(commit[0]!.commitInfo!.operation).toBe('DELETE');
    const removed = commit.filter((a) => a.remove).map((a) => String(a.remove!.path));
    expect(removed).toHaveLength(2);
    expect(commit.some((a) => a.add)).toBe(false);
    // Both readers see an empty table now, not the dropped table's stale rows.
    expect((await readWithDuckDBDelta(folder)).rows).toBe(0);
    const rs = await readWithDeltaRs(folder);
    expect([rs.rows, rs.version, rs.files]).toEqual([0, 1, 0]);
    // The Parquet files stay: deleting data is DuckLake's cleanup's job.
    for (const path of removed) expect(existsSync(join(folder, decodeURIComponent(path)))).toBe(true);
    // Again, with and without the last report's hints: no new commit.
    const again = await lake.export({ known: knownStates(report) });
    expect(again.dropped).toEqual([expect.objectContaining({ delta: 'already-empty', version: 1 })]);
    expect(again.requests.total).toBe(0);
    const cold = await lake.export();
    expect(cold.dropped).toEqual([expect.objectContaining({ delta: 'already-empty', version: 1 })]);
    expect(await logFiles(folder)).toEqual(['00000000000000000000.json', '00000000000000000001.json']);
  });

  it('a table re-created in a dropped table’s folder is exported on top of the emptied log', async () => {
    lake = await TestLake.create();
    await lake.sql('CREATE TABLE lake.main.t AS SELECT range AS id FROM range(3)');
    await lake.export();
    await lake.sql('DROP TABLE lake.main.t');
    expect((await lake.export()).dropped).toEqual([expect.objectContaining({ delta: 'emptied', version: 1 })]);
    await lake.sql("CREATE TABLE lake.main.t AS SELECT range AS id, 'again' AS tag FROM range(4)");
    const report = await lake.export();
    expect(tableReport(report, 'main.t')).toMatchObject({ status: 'updated', version: 2 });
    const folder = join(lake.tablesRoot, 'main/t');
    const { expected, duckdb, deltaRs } = await readAll(lake, 'main.t', folder);
    expect(expected.rows).toBe(4);
    expect(duckdb).toEqual(expected);
    expect({ rows: deltaRs.rows, hash: deltaRs.hash }).toEqual(expected);
  });
});

const VACUUM_SCRIPT = `
import json, sys
import deltalake
dt = deltalake.DeltaTable(sys.argv[1])
out = {"configuration": dt.metadata().configuration}
try:
    dt.vacuum(retention_hours=168, dry_run=True, enforce_retention_duration=True)
    out["vacuum7d"] = "allowed"
except Exception as e:
    out["vacuum7d"] = "refused: " + str(e)
out["vacuumDefault"] = dt.vacuum(dry_run=True, full=True)
out["vacuumForced"] = dt.vacuum(retention_hours=0, dry_run=True, enforce_retention_duration=False, full=True)
print(json.dumps(out))
`;

describe('Fabric VACUUM safety: retention settings on every exported table', () => {
  let lake: TestLake;
  afterEach(async () => {
    await lake.close();
  });

  it('metaData.configuration keeps VACUUM from files DuckLake still references; delta-rs refuses a 7-day VACUUM', async () => {
    lake = await TestLake.create();
    await lake.sql('CREATE TABLE lake.main.m (id INTEGER)');
    for (let i = 0; i < 3; i++) {
      await lake.sql(`INSERT INTO lake.main.m SELECT x FROM range(${i * 10}, ${i * 10 + 10}) r(x)`);
      await lake.export();
    }
    // A compaction: Delta removes the three small files; DuckLake still lists them (time travel,
    // scheduled deletion), so a VACUUM must not delete them.
    await lake.sql(`CALL ducklake_merge_adjacent_files('lake')`);
    expect(tableReport(await lake.export(), 'main.m')).toMatchObject({ removes: 3, adds: 1 });
    const folder = join(lake.tablesRoot, 'main/m');
    const meta = (await readCommit(folder, 0)).find((a) => a.metaData)!.metaData!;
    expect(meta.configuration).toEqual({
      'delta.deletedFileRetentionDuration': 'interval 3650 days',
      'delta.logRetentionDuration': 'interval 3650 days',
    });
    const { stdout } = await execFileAsync(peerPython, ['-c', VACUUM_SCRIPT, folder]);
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as {
      configuration: Record<string, string>;
      vacuum7d: string;
      vacuumDefault: string[];
      vacuumForced: string[];
    };
    expect(result.configuration['delta.deletedFileRetentionDuration']).toBe('interval 3650 days');
    // A VACUUM with a shorter retention than the table's is refused (Spark does the same while
    // spark.databricks.delta.retentionDurationCheck.enabled is on, its default).
    expect(result.vacuum7d).toMatch(/^refused: /);
    // With the table's own retention nothing is deleted ...
    expect(result.vacuumDefault).toEqual([]);
    // ... while a VACUUM that overrides the check would delete the three files DuckLake still lists.
    expect(result.vacuumForced).toHaveLength(3);
    const scheduled = await lake.catalog<{ n: bigint }>(
      'SELECT count(*) AS n FROM ducklake_files_scheduled_for_deletion',
    );
    expect(Number(scheduled[0]!.n)).toBe(3);
  });
});
