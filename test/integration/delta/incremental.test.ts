import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { knownStates, type DeltaExportReport, type ExportedTableState } from '../../../src/core/delta/report';
import { readAll, tableReport, TestLake } from './helpers';

/**
 * An export given the previous report (as publish passes it) plans a changed table's commit from
 * only the files added or ended since (`incremental: true`), and takes the full path whenever that
 * cannot be vouched for. Either way the Delta table reads back content-identical to DuckLake with
 * delta-rs and DuckDB `delta`.
 */
describe('Incremental Delta export', () => {
  let lake: TestLake;
  const folderOf = () => join(lake.tablesRoot, 'main', 't');
  beforeEach(async () => {
    lake = await TestLake.create();
    await lake.sql('CREATE TABLE lake.main.t (id BIGINT, v VARCHAR, p INTEGER)');
    await lake.sql('ALTER TABLE lake.main.t SET PARTITIONED BY (p)');
  });
  afterEach(async () => {
    await lake.close();
  });

  const insert = (from: number, to: number, extra = '') =>
    lake.sql(`INSERT INTO lake.main.t SELECT i, 'v' || i, (i // 10)::INTEGER${extra} FROM range(${from}, ${to}) r(i)`);

  async function expectReadersAgree() {
    const { expected, duckdb, deltaRs } = await readAll(lake, 'main.t', folderOf());
    expect(duckdb, 'DuckDB delta').toEqual(expected);
    expect({ rows: deltaRs.rows, hash: deltaRs.hash }, 'delta-rs').toEqual(expected);
    return deltaRs;
  }

  it('after append, delete + maintenance, compaction and add column reads back content-identical', async () => {
    await insert(0, 40); // 4 partitions, 4 files
    let report: DeltaExportReport = await lake.export();
    expect(tableReport(report, 'main.t')).toMatchObject({ status: 'created', version: 0, adds: 4 });
    const step = async () => {
      report = await lake.export({ known: knownStates(report) });
      return tableReport(report, 'main.t');
    };

    // append: only the new files are read and added
    await insert(40, 60);
    expect(await step()).toMatchObject({ status: 'updated', version: 1, adds: 2, removes: 0, incremental: true });
    expect((await expectReadersAgree()).files).toBe(6);
    // The new files' stats come from the catalog rows read for just them (by rowid in SQLite).
    const commit = (await readFile(join(folderOf(), '_delta_log', '00000000000000000001.json'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { add?: { partitionValues: { p: string }; stats: string } });
    const adds = commit.flatMap((a) => (a.add ? [a.add] : []));
    expect(adds.map((a) => a.partitionValues.p).sort()).toEqual(['4', '5']);
    for (const add of adds) {
      const [range] = await lake.all<{ lo: bigint; hi: bigint }>(
        `SELECT min(id) AS lo, max(id) AS hi FROM lake.main.t WHERE p = ${Number(add.partitionValues.p)}`,
      );
      expect(JSON.parse(add.stats)).toMatchObject({
        numRecords: 10,
        minValues: { id: Number(range!.lo) },
        maxValues: { id: Number(range!.hi) },
      });
    }

    // delete + maintenance: the rewrite ends the file and adds its replacement (rewrite_delete)
    await lake.sql('DELETE FROM lake.main.t WHERE id % 10 = 3 AND p = 1');
    // (a skipped table reports no state; the state before it is still what the log holds)
    expect(tableReport(await lake.export({ known: knownStates(report) }), 'main.t').skipped?.code).toBe('delete-files');
    await lake.sql(`CALL ducklake_rewrite_data_files('lake', 't', schema => 'main', delete_threshold => 0)`);
    expect(await step()).toMatchObject({
      status: 'updated',
      version: 2,
      adds: 1,
      removes: 1,
      incremental: true,
      dataChange: true,
    });
    expect((await expectReadersAgree()).rows).toBe(59);

    // a whole file deleted: DuckLake ends it without a delete file
    await lake.sql('DELETE FROM lake.main.t WHERE p = 5');
    expect(await step()).toMatchObject({ status: 'updated', version: 3, adds: 0, removes: 1, incremental: true });
    expect((await expectReadersAgree()).rows).toBe(49);

    // compaction: a merge deletes its inputs' rows and dates its output back; the full path follows it
    await insert(60, 63); // a second small file in partition 6
    await insert(63, 66);
    expect(await step()).toMatchObject({ version: 4, incremental: true });
    await lake.sql(`CALL ducklake_merge_adjacent_files('lake', 't', schema => 'main')`);
    const merged = await step();
    expect(merged).toMatchObject({ status: 'updated', version: 5 });
    expect(merged.incremental).toBeUndefined();
    expect(merged.removes).toBeGreaterThan(0);
    await expectReadersAgree();

    // add column: metaData changes, full path; the append after it is incremental again
    await lake.sql('ALTER TABLE lake.main.t ADD COLUMN note VARCHAR');
    await insert(100, 120, `, 'n' || i`);
    const altered = await step();
    expect(altered).toMatchObject({ status: 'updated', version: 6, metadataChanged: true });
    expect(altered.incremental).toBeUndefined();
    await expectReadersAgree();
    await insert(120, 130, `, 'n' || i`);
    expect(await step()).toMatchObject({ status: 'updated', version: 7, adds: 1, incremental: true });
    const last = await expectReadersAgree();
    expect(last.version).toBe(7);
    expect(last.rows).toBe((await lake.lakeHash('main.t')).rows);
  });

  it('falls back to the full path for a stale, missing, foreign or expired state and stays correct', async () => {
    await insert(0, 30);
    const first = await lake.export();
    const known0 = knownStates(first);

    await insert(30, 40);
    const second = await lake.export({ known: known0 });
    expect(tableReport(second, 'main.t')).toMatchObject({ version: 1, adds: 1, incremental: true });

    // stale: the state of version 0 while the log is at 1; the short path loses the put race to
    // its own earlier commit and the full path plans version 2 with only what is new since 1
    await insert(40, 50);
    const stale = tableReport(await lake.export({ known: known0 }), 'main.t');
    expect(stale).toMatchObject({ status: 'updated', version: 2, adds: 1, removes: 0 });
    expect(stale.incremental).toBeUndefined();
    expect((await expectReadersAgree()).files).toBe(5);

    // missing: no state at all
    await insert(50, 60);
    const missing = await lake.export();
    expect(tableReport(missing, 'main.t')).toMatchObject({ status: 'updated', version: 3, adds: 1 });
    expect(tableReport(missing, 'main.t').incremental).toBeUndefined();
    await expectReadersAgree();

    // foreign: the state another catalog's export wrote for the same folder
    const other = await TestLake.create();
    let foreign: Record<string, ExportedTableState>;
    try {
      await other.sql('CREATE TABLE lake.main.t (id BIGINT, v VARCHAR, p INTEGER)');
      await other.sql('ALTER TABLE lake.main.t SET PARTITIONED BY (p)');
      await other.sql(`INSERT INTO lake.main.t SELECT i, 'v' || i, (i // 10)::INTEGER FROM range(0, 50) r(i)`);
      foreign = knownStates(await other.export());
    } finally {
      await other.close();
    }
    await insert(60, 70);
    const fromForeign = tableReport(await lake.export({ known: foreign }), 'main.t');
    expect(fromForeign).toMatchObject({ status: 'updated', version: 4, adds: 1, removes: 0 });
    expect(fromForeign.incremental).toBeUndefined();
    await expectReadersAgree();

    // a state whose next_file_id does not match the catalog's snapshot (another catalog, or edited)
    const current = knownStates(await lake.export());
    await insert(70, 80);
    const shifted = Object.fromEntries(
      Object.entries(current).map(([folder, state]) => [folder, { ...state, nextFileId: state.nextFileId! + 1 }]),
    );
    const fromShifted = tableReport(await lake.export({ known: shifted }), 'main.t');
    expect(fromShifted).toMatchObject({ status: 'updated', version: 5, adds: 1 });
    expect(fromShifted.incremental).toBeUndefined();

    // expired: the known snapshot is gone from the catalog, so its live files cannot be vouched for
    const beforeExpiry = knownStates(await lake.export());
    await insert(80, 90);
    await lake.sql(`CALL ducklake_expire_snapshots('lake', older_than => now() + INTERVAL 1 DAY)`);
    const fromExpired = tableReport(await lake.export({ known: beforeExpiry }), 'main.t');
    expect(fromExpired).toMatchObject({ status: 'updated', version: 6, adds: 1 });
    expect(fromExpired.incremental).toBeUndefined();
    const read = await expectReadersAgree();
    expect([read.version, read.files, read.rows]).toEqual([6, 9, 90]);
  });
});
