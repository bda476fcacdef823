import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import { fsDeltaLogStore } from '../../../src/core/delta/fsLogStore';
import type { DeltaLogStore } from '../../../src/core/delta/logStore';
import { knownStates } from '../../../src/core/delta/report';
import { logFiles, readAll, readWithDeltaRs, readWithDuckDBDelta, tableReport, TestLake } from './helpers';

const v = (n: number) => String(n).padStart(20, '0');

describe('Delta log versions, checkpoints and concurrency', () => {
  let lake: TestLake;
  afterEach(async () => {
    await lake.close();
  });

  it('checkpoints every N commits; both readers read a log that starts at the checkpoint; exports continue from it', async () => {
    lake = await TestLake.create();
    await lake.sql('CREATE TABLE lake.main.c (id INTEGER, tag VARCHAR, at_day DATE)');
    const folder = join(lake.tablesRoot, 'main/c');
    let known = {};
    for (let i = 0; i < 7; i++) {
      await lake.sql(
        `INSERT INTO lake.main.c SELECT x, 'batch ${i}', DATE '2024-01-01' + x::INTEGER FROM range(${i * 10}, ${i * 10 + 10}) r(x)`,
      );
      const report = await lake.export({ checkpointInterval: 3, known });
      known = knownStates(report);
      const t = tableReport(report, 'main.c');
      expect(t.version).toBe(i);
      expect(t.checkpoint).toBe(i > 0 && i % 3 === 0 ? i : undefined);
    }
    const files = await logFiles(folder);
    expect(files).toContain(`${v(3)}.checkpoint.parquet`);
    expect(files).toContain(`${v(6)}.checkpoint.parquet`);
    expect(JSON.parse(await readFile(join(folder, '_delta_log/_last_checkpoint'), 'utf8'))).toEqual({
      version: 6,
      size: 9, // protocol + metaData + 7 files
      sizeInBytes: expect.any(Number),
      numOfAddFiles: 7,
    });

    // The checkpoint's Parquet schema is the protocol's, typed by our COPY query.
    const session = await DuckDBSession.open();
    const schema = await session.all<{ column_name: string; column_type: string }>(
      `DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(join(folder, '_delta_log', `${v(6)}.checkpoint.parquet`))})`,
    );
    session.close();
    const types = Object.fromEntries(schema.map((c) => [c.column_name, c.column_type]));
    expect(types.protocol).toBe('STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER)');
    expect(types.add).toBe(
      'STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags MAP(VARCHAR, VARCHAR))',
    );
    expect(types.metaData).toContain(
      'partitionColumns VARCHAR[], "configuration" MAP(VARCHAR, VARCHAR), createdTime BIGINT',
    );

    // Log cleanup: drop every commit before the checkpoint (and the older checkpoint).
    for (const name of files) {
      const version = Number(name.slice(0, 20));
      if (name !== '_last_checkpoint' && version < 6) await rm(join(folder, '_delta_log', name));
    }
    expect(await logFiles(folder)).toEqual([`${v(6)}.checkpoint.parquet`, `${v(6)}.json`, '_last_checkpoint']);
    let read = await readAll(lake, 'main.c', folder);
    expect(read.expected.rows).toBe(70);
    expect(read.duckdb).toEqual(read.expected);
    expect({ rows: read.deltaRs.rows, hash: read.deltaRs.hash }).toEqual(read.expected);
    expect(read.deltaRs.version).toBe(6);

    // Even with only the checkpoint left, the next export replays it and continues at 7.
    await rm(join(folder, '_delta_log', `${v(6)}.json`));
    await lake.sql(`INSERT INTO lake.main.c VALUES (1000, 'late', NULL)`);
    const next = tableReport(await lake.export({ checkpointInterval: 3 }), 'main.c');
    expect(next).toMatchObject({ status: 'updated', version: 7, adds: 1, removes: 0 });
    read = await readAll(lake, 'main.c', folder);
    expect(read.expected.rows).toBe(71);
    expect(read.duckdb).toEqual(read.expected);
    expect({ rows: read.deltaRs.rows, hash: read.deltaRs.hash }).toEqual(read.expected);
    expect(read.deltaRs.version).toBe(7);
  });

  it('a version taken by another writer is re-read and the plan retried on the next version', async () => {
    lake = await TestLake.create();
    await lake.sql('CREATE TABLE lake.main.x AS SELECT range AS id FROM range(10)');
    await lake.export();
    await lake.sql('INSERT INTO lake.main.x SELECT range FROM range(10, 20)');
    const folder = join(lake.tablesRoot, 'main/x');
    // Another writer commits version 1 first (a commit that changes nothing).
    await writeFile(
      join(folder, '_delta_log', `${v(1)}.json`),
      JSON.stringify({ commitInfo: { timestamp: 1, operation: 'SET TBLPROPERTIES', engineInfo: 'someone-else' } }) +
        '\n',
    );
    const t = tableReport(await lake.export(), 'main.x');
    expect(t).toMatchObject({ status: 'updated', version: 2, adds: 1, removes: 0 });
    expect(await logFiles(folder)).toEqual([`${v(0)}.json`, `${v(1)}.json`, `${v(2)}.json`]);
    const { expected, duckdb, deltaRs } = await readAll(lake, 'main.x', folder);
    expect(expected.rows).toBe(20);
    expect(duckdb).toEqual(expected);
    expect({ rows: deltaRs.rows, hash: deltaRs.hash }).toEqual(expected);
  });

  it('reports a conflict when every put finds the version taken', async () => {
    lake = await TestLake.create();
    await lake.sql('CREATE TABLE lake.main.x AS SELECT range AS id FROM range(10)');
    const inner = fsDeltaLogStore(lake.tablesRoot);
    const racing: DeltaLogStore = { ...inner, putIfAbsent: async () => 'exists' };
    const t = tableReport(await lake.export({ store: racing }), 'main.x');
    expect(t.status).toBe('skipped');
    expect(t.skipped?.code).toBe('conflict');
    expect(t.requests.writes).toBe(2);
  });

  it('costs 0 requests for an unchanged table and 2 for a changed one when the last report is passed back', async () => {
    lake = await TestLake.create();
    await lake.sql('CREATE TABLE lake.main.a AS SELECT range AS id FROM range(10)');
    await lake.sql('CREATE TABLE lake.main.b AS SELECT range AS id FROM range(10)');
    const first = await lake.export();
    // A new table: one list (empty) and one put.
    expect(tableReport(first, 'main.a').requests).toEqual({ reads: 0, lists: 1, writes: 1, total: 2 });

    await lake.sql('INSERT INTO lake.main.a VALUES (100)');
    const hinted = await lake.export({ known: knownStates(first) });
    expect(tableReport(hinted, 'main.b')).toMatchObject({ status: 'unchanged', version: 0 });
    expect(tableReport(hinted, 'main.b').requests.total).toBe(0);
    expect(tableReport(hinted, 'main.a')).toMatchObject({ status: 'updated', version: 1 });
    expect(tableReport(hinted, 'main.a').requests).toEqual({ reads: 1, lists: 0, writes: 1, total: 2 });
    expect(hinted.requests.total).toBe(2);

    // Without the hint: list + read the latest commit (+ put when changed).
    const unhinted = await lake.export();
    expect(tableReport(unhinted, 'main.a')).toMatchObject({ status: 'unchanged', version: 1 });
    expect(tableReport(unhinted, 'main.a').requests).toEqual({ reads: 1, lists: 1, writes: 0, total: 2 });

    // A stale hint (version 0 while the log is at 1) is caught by put-if-absent.
    await lake.sql('INSERT INTO lake.main.a VALUES (101)');
    const stale = tableReport(await lake.export({ known: knownStates(first) }), 'main.a');
    expect(stale).toMatchObject({ status: 'updated', version: 2 });
    const folder = join(lake.tablesRoot, 'main/a');
    expect((await readWithDuckDBDelta(folder)).rows).toBe(12);
    expect((await readWithDeltaRs(folder)).version).toBe(2);
  });

  it('refuses to continue a log that needs a newer protocol, or has a gap', async () => {
    lake = await TestLake.create();
    await lake.sql('CREATE TABLE lake.main.p AS SELECT range AS id FROM range(3)');
    await lake.sql('CREATE TABLE lake.main.g AS SELECT range AS id FROM range(3)');
    await lake.export();
    await lake.sql('INSERT INTO lake.main.p VALUES (9)');
    await lake.sql('INSERT INTO lake.main.g VALUES (9)');
    const pLog = join(lake.tablesRoot, 'main/p/_delta_log');
    await writeFile(
      join(pLog, `${v(1)}.json`),
      JSON.stringify({
        protocol: {
          minReaderVersion: 3,
          minWriterVersion: 7,
          readerFeatures: ['deletionVectors'],
          writerFeatures: ['deletionVectors'],
        },
      }) + '\n',
    );
    // A log whose version 1 is missing but 2 exists.
    const gLog = join(lake.tablesRoot, 'main/g/_delta_log');
    await writeFile(join(gLog, `${v(2)}.json`), JSON.stringify({ commitInfo: { timestamp: 1 } }) + '\n');

    const report = await lake.export();
    expect(tableReport(report, 'main.p').skipped).toMatchObject({
      code: 'unsupported-log',
      message: expect.stringContaining('reader 3 / writer 7'),
    });
    expect(tableReport(report, 'main.g').skipped).toMatchObject({
      code: 'unsupported-log',
      message: expect.stringContaining('version 1 is missing'),
    });
    expect(await logFiles(join(lake.tablesRoot, 'main/p'))).toEqual([`${v(0)}.json`, `${v(1)}.json`]);
  });
});
