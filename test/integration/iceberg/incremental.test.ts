import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { knownStates, type DeltaExportReport } from '../../../src/core/delta/report';
import { tableReport, TestLake } from '../delta/helpers';
import { currentMetadataFile, readIceberg } from './helpers';

/**
 * With Iceberg on and the previous report passed back, an append the Delta export followed
 * incrementally is an Iceberg append built from only the new files (the previous manifests kept
 * unread); a change with removes takes the full target. pyiceberg and DuckDB iceberg_scan read
 * exactly the DuckLake rows after each step.
 */
describe('Incremental export with Iceberg beside Delta', () => {
  let lake: TestLake;
  beforeEach(async () => {
    lake = await TestLake.create();
  });
  afterEach(async () => {
    await lake.close();
  });

  it('appends, delete + rewrite and appends again read back identical with both Iceberg readers', async () => {
    const folder = join(lake.tablesRoot, 'main', 't');
    await lake.sql('CREATE TABLE lake.main.t (id BIGINT, v VARCHAR, p INTEGER)');
    await lake.sql('ALTER TABLE lake.main.t SET PARTITIONED BY (p)');
    const insert = (from: number, to: number) =>
      lake.sql(`INSERT INTO lake.main.t SELECT i, 'v' || i, (i // 10)::INTEGER FROM range(${from}, ${to}) r(i)`);
    const expectReaders = async () => {
      const read = await readIceberg(lake, 'main.t', folder);
      expect(read.duckdb, 'DuckDB iceberg').toEqual(read.expected);
      expect(read.pyiceberg, 'pyiceberg').toEqual(read.expected);
      return read.expected.rows;
    };
    const summary = async () => {
      const meta = JSON.parse(await readFile(await currentMetadataFile(folder), 'utf8')) as {
        'current-snapshot-id': number;
        snapshots: { 'snapshot-id': number; summary: Record<string, string> }[];
      };
      return meta.snapshots.find((s) => s['snapshot-id'] === meta['current-snapshot-id'])!.summary;
    };

    await insert(0, 30);
    let report: DeltaExportReport = await lake.export({ iceberg: true });
    const step = async () => {
      report = await lake.export({ iceberg: true, known: knownStates(report) });
      return tableReport(report, 'main.t');
    };
    // Mark the previous total size: only the append path carries it forward (a full target sums its files).
    const metadataFile = await currentMetadataFile(folder);
    const metadata = JSON.parse(await readFile(metadataFile, 'utf8')) as {
      snapshots: { summary: Record<string, string> }[];
    };
    metadata.snapshots.at(-1)!.summary['total-files-size'] = '1000000000';
    await writeFile(metadataFile, JSON.stringify(metadata));

    await insert(30, 50);
    const appended = await step();
    expect(appended).toMatchObject({ status: 'updated', adds: 2, incremental: true });
    expect(appended.iceberg).toMatchObject({ status: 'updated', operation: 'append', adds: 2, removes: 0 });
    // The table's totals come from the previous snapshot plus the new files, not from a full list.
    const after = await summary();
    expect(after['total-data-files']).toBe('5');
    expect(Number(after['total-files-size'])).toBeGreaterThan(1_000_000_000);
    expect(Number(after['total-files-size'])).toBeLessThan(1_000_100_000);
    expect(after['total-records']).toBe('50');
    expect(await expectReaders()).toBe(50);
    expect(report.tables[0]!.state?.iceberg?.filesHash).toBe(report.tables[0]!.state?.filesHash);

    await lake.sql('DELETE FROM lake.main.t WHERE id % 10 = 3');
    await lake.sql(`CALL ducklake_rewrite_data_files('lake', 't', schema => 'main', delete_threshold => 0)`);
    const rewritten = await step();
    expect(rewritten).toMatchObject({ status: 'updated', incremental: true });
    expect(rewritten.iceberg).toMatchObject({ status: 'updated', operation: 'overwrite' });
    expect(await expectReaders()).toBe(45);

    await insert(50, 60);
    const again = await step();
    expect(again.iceberg).toMatchObject({ status: 'updated', operation: 'append', adds: 1 });
    expect((await summary())['total-data-files']).toBe('6');
    expect(await expectReaders()).toBe(55);

    // Nothing changed: both sides unchanged, no request.
    const same = await step();
    expect(same).toMatchObject({ status: 'unchanged' });
    expect(same.iceberg).toMatchObject({ status: 'unchanged' });
    expect(same.requests.total).toBe(0);
  });
});
