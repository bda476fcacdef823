import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CatalogReader,
  type CatalogColumnStats,
  type SqliteCatalogEngine,
} from '../../../src/core/ducklake/catalogReader';
import { CatalogFormatError } from '../../../src/core/ducklake/errors';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import { LazyDuckDBSession } from '../../../src/core/lake/lazySession';
import initSqlJs from 'sql.js';
import { duckdb } from '../support/lakehouse';

/**
 * The SQLite catalog read by SQLite in WASM (the default) and by DuckDB's sqlite_scanner gives the
 * same answers, on catalogs written by the real ducklake extension; and the WASM reader refuses what
 * the DuckDB one refused, with the same typed error.
 */
let session: DuckDBSession;
let dir: string;
let catalog: string;

beforeAll(async () => {
  session = await DuckDBSession.open({ ...duckdb, threads: 2 });
  await session.loadExtensions(['ducklake', 'sqlite_scanner']);
  dir = mkdtempSync(join(tmpdir(), 'lakehouse-backends-'));
  catalog = join(dir, 'metadata.db');
  await session.run(
    `ATTACH ${quoteLiteral(`ducklake:sqlite:${catalog}`)} AS lake (DATA_PATH ${quoteLiteral(join(dir, 'data') + '/')}, DATA_INLINING_ROW_LIMIT 10)`,
  );
  const steps = [
    // A partitioned table written in files, then deletes (delete files), a schema change and a rename.
    `CREATE TABLE lake.readings (id BIGINT, meter VARCHAR, kwh DOUBLE, day DATE)`,
    `ALTER TABLE lake.readings SET PARTITIONED BY (meter)`,
    `INSERT INTO lake.readings SELECT i, 'm' || (i % 3), i * 1.5, DATE '2026-01-01' + (i % 5)::INTEGER FROM range(3000) t(i)`,
    `DELETE FROM lake.readings WHERE id % 2 = 0`,
    `ALTER TABLE lake.readings ADD COLUMN note VARCHAR DEFAULT 'n/a'`,
    `ALTER TABLE lake.readings RENAME COLUMN kwh TO energy`,
    `INSERT INTO lake.readings SELECT i, 'm' || (i % 3), i, DATE '2026-02-01', 'late' FROM range(3000, 4000) t(i)`,
    // A few deleted rows of a Parquet file stay in the catalog (an inlined delete).
    `DELETE FROM lake.readings WHERE id = 3001`,
    // Inlined rows and an inlined delete, in another schema; a struct column; a dropped table.
    `CREATE SCHEMA lake.ops`,
    `CREATE TABLE lake.ops.events (id INTEGER, payload STRUCT(a INTEGER, b VARCHAR), seen_at TIMESTAMPTZ)`,
    `INSERT INTO lake.ops.events VALUES (1, {'a': 1, 'b': 'x'}, TIMESTAMPTZ '2026-03-01 10:00:00.123456+00'), (2, NULL, NULL)`,
    `DELETE FROM lake.ops.events WHERE id = 2`,
    `CREATE TABLE lake.gone AS SELECT 1 AS x`,
    `DROP TABLE lake.gone`,
    // Merged files leave files scheduled for deletion.
    `CREATE TABLE lake.small (x INTEGER)`,
    ...Array.from(
      { length: 4 },
      (_, i) => `INSERT INTO lake.small SELECT range FROM range(${i * 100}, ${i * 100 + 100})`,
    ),
    `CALL ducklake_merge_adjacent_files('lake')`,
    // More files than the reader lists ids for in SQL: their stats and values are read by id range.
    `CREATE TABLE lake.many (p INTEGER, x INTEGER)`,
    `ALTER TABLE lake.many SET PARTITIONED BY (p)`,
    `INSERT INTO lake.many SELECT range % 600, range FROM range(1200)`,
    `CALL lake.set_option('parquet_row_group_size', '2000000')`,
  ];
  for (const sql of steps) await session.run(sql);
  await session.run('DETACH lake');
}, 300_000);

afterAll(() => session?.close());

/** Stats rows come in no particular order. */
const byFile = <T extends { fileId: number; columnId: number }>(rows: T[]) =>
  [...rows].sort((a, b) => a.fileId - b.fileId || a.columnId - b.columnId);

/** eachFileStats' rows, the last hand-over of each file kept (a split file is handed over again whole). */
async function streamedStats(reader: CatalogReader, tableId: number, fileIds: number[]) {
  const handed = new Map<number, CatalogColumnStats[]>();
  await reader.eachFileStats(tableId, fileIds, (fileId, rows) => {
    expect(rows.every((r) => r.fileId === fileId)).toBe(true);
    handed.set(fileId, [...rows]);
  });
  return byFile([...handed.values()].flat());
}

/** Every public read of the reader, at every snapshot where it takes one. */
async function readEverything(file: string, engine: SqliteCatalogEngine) {
  const reader = await CatalogReader.open(session, file, { sqliteEngine: engine });
  try {
    const current = await reader.currentSnapshot();
    const tables = await reader.tables();
    const perSnapshot = [];
    for (let id = 0; id <= current.id; id++) {
      const perTable = [];
      const since = Math.max(0, id - 2);
      const nextFileIdThen = (await reader.snapshot(since))?.nextFileId ?? 0;
      for (const table of tables) {
        const files = await reader.dataFiles(table.tableId, id);
        const fileIds = files.map((f) => f.fileId);
        perTable.push({
          table: table.tableId,
          files,
          older: await reader.dataFiles(table.tableId, id, 5),
          stats: byFile(await reader.fileStats(table.tableId, fileIds)),
          streamed: await streamedStats(reader, table.tableId, fileIds),
          // Every other file: an id range with rows in it that were not asked for.
          spreadStats: byFile(
            await reader.fileStats(
              table.tableId,
              fileIds.filter((_, i) => i % 2 === 0),
            ),
          ),
          spreadValues: [
            ...(await reader.filePartitionValues(
              table.tableId,
              fileIds.filter((_, i) => i % 2 === 1),
            )),
          ].map(([k, v]) => [k, [...v]]),
          spec: await reader.partitionSpec(table.tableId, id),
          values: [...(await reader.filePartitionValues(table.tableId, fileIds))].map(([k, v]) => [k, [...v]]),
          mappings: [...(await reader.nameMappings(files.flatMap((f) => (f.mappingId === null ? [] : [f.mappingId]))))],
          // The incremental export's reads: the newest files' stats and values (by rowid in WASM),
          // the files changed since two snapshots back, and the live totals.
          newestStats: byFile(await reader.fileStats(table.tableId, fileIds.slice(-2))),
          newestStreamed: await streamedStats(reader, table.tableId, fileIds.slice(-2)),
          newestValues: [...(await reader.filePartitionValues(table.tableId, fileIds.slice(-2)))].map(([k, v]) => [
            k,
            [...v],
          ]),
          changed: await reader.dataFilesChangedSince(table.tableId, since, nextFileIdThen, id),
          inserted: await reader.dataFilesChangedSince(table.tableId, since, nextFileIdThen, id, { endedToo: false }),
          totals: await reader.liveFileTotals(table.tableId, id),
        });
      }
      perSnapshot.push({
        snapshot: await reader.snapshot(id),
        deletes: [...(await reader.liveDeleteFiles(id))],
        inlined: [...(await reader.inlinedRows(id))],
        inlinedDeletes: [...(await reader.inlinedDeletes(id))],
        perTable,
      });
    }
    const ids = Array.from({ length: 40 }, (_, i) => i);
    return {
      format: reader.fileFormat(),
      metadata: await reader.metadata(),
      settings: (await reader.settings()).sort((a, b) => `${a.scope}${a.key}`.localeCompare(`${b.scope}${b.key}`)),
      current,
      latest: await reader.latestCommit(),
      tables,
      columns: await Promise.all(tables.map((t) => reader.columns(t.tableId))),
      live: await reader.fileRows('live'),
      all: await reader.fileRows('all'),
      small: await reader.tablesWithSmallFiles(new Map([[1, 10]]), 1_000_000),
      changes: await reader.changes(0, current.id),
      since: await reader.changesSince(1, current.id),
      created: [...(await reader.creationSnapshots(ids))],
      scheduled: await reader.scheduledDeletions(),
      perSnapshot,
    };
  } finally {
    await reader.close();
  }
}

describe('the SQLite catalog reader in WASM', () => {
  it('reads exactly what DuckDB reads from a catalog with deletes, schema changes, partitions, inlined data and merges', async () => {
    const wasm = await readEverything(catalog, 'wasm');
    const viaDuckDB = await readEverything(catalog, 'duckdb');
    expect(wasm).toEqual(viaDuckDB);
    const perTable = wasm.perSnapshot.flatMap((s) => s.perTable);
    expect(perTable.some((t) => t.newestStats.length > 0 && t.newestValues.length > 0)).toBe(true);
    expect(perTable.some((t) => t.inserted.length > 0 && t.totals.files > t.inserted.length)).toBe(true);
    // The id-range read ran, and gave each asked-for file its rows and no other file's.
    const many = perTable.find((t) => t.files.length === 600 && t.spreadValues.length === 300)!;
    expect(new Set(many.spreadStats.map((s) => s.fileId)).size).toBe(300);
    expect(many.spreadStats.every((s) => many.files.findIndex((f) => f.fileId === s.fileId) % 2 === 0)).toBe(true);
    expect(many.stats.length).toBe(2 * many.spreadStats.length);
    // Streamed one file at a time, the same rows as read at once.
    for (const t of perTable) {
      expect(t.streamed).toEqual(t.stats);
      expect(t.newestStreamed).toEqual(t.newestStats);
    }
    expect(many.streamed.length).toBe(many.stats.length);
    // The catalog really has what the comparison is meant to cover.
    expect(wasm.perSnapshot.some((s) => s.deletes.some(([, n]) => n > 0))).toBe(true);
    expect(wasm.perSnapshot.some((s) => s.inlined.some(([, n]) => n > 0))).toBe(true);
    expect(wasm.perSnapshot.some((s) => s.inlinedDeletes.some(([, n]) => n > 0))).toBe(true);
    expect(wasm.perSnapshot.some((s) => s.perTable.some((t) => t.spec && t.values.length > 0))).toBe(true);
    expect(wasm.columns.flat().some((c) => c.name === 'energy')).toBe(true);
    expect(wasm.columns.flat().some((c) => c.parentId !== null)).toBe(true);
    expect(wasm.scheduled.length).toBeGreaterThan(0);
    expect(wasm.tables.some((t) => t.endSnapshot !== null)).toBe(true);
    expect(wasm.current.timeMs).toBeGreaterThan(Date.parse('2026-01-01'));
    expect(wasm.created.length).toBeGreaterThan(0);
  }, 300_000);

  it('streams every file its whole stats rows when the catalog keeps them out of file order', async () => {
    // The rows re-inserted column by column (each file's rows split apart), and in descending file order
    // (the rowid shortcut finds no start): both read, file by file, exactly what fileStats reads.
    const orders = { split: 'column_id, data_file_id', descending: 'data_file_id DESC, column_id' };
    for (const [kind, order] of Object.entries(orders)) {
      const copy = join(dir, `reordered-${kind}.db`);
      const SQL = await initSqlJs();
      const db = new SQL.Database(readFileSync(catalog));
      db.run(`CREATE TEMP TABLE rows AS SELECT * FROM ducklake_file_column_stats ORDER BY ${order}`);
      db.run('DELETE FROM ducklake_file_column_stats');
      db.run('INSERT INTO ducklake_file_column_stats SELECT * FROM rows');
      writeFileSync(copy, db.export());
      db.close();
      const reader = await CatalogReader.open(session, copy);
      try {
        const many = (await reader.tables()).find((t) => t.name === 'many')!;
        const ids = (await reader.dataFiles(many.tableId, (await reader.currentSnapshot()).id)).map((f) => f.fileId);
        const handovers: number[] = [];
        const handed = new Map<number, CatalogColumnStats[]>();
        await reader.eachFileStats(many.tableId, ids, (fileId, rows) => {
          handovers.push(fileId);
          handed.set(fileId, [...rows]);
        });
        const whole = byFile(await reader.fileStats(many.tableId, ids));
        expect(whole.length).toBe(2 * ids.length);
        expect(byFile([...handed.values()].flat())).toEqual(whole);
        // Every file's last hand-over carries all of its rows (a split file is handed over again).
        expect([...handed.values()].every((rows) => rows.length === 2)).toBe(true);
        expect(new Set(handovers).size).toBe(ids.length);
        // Split rows: each file handed over with its first run of rows, then again whole; otherwise once.
        expect(handovers.length).toBe(kind === 'split' ? 2 * ids.length : ids.length);
      } finally {
        await reader.close();
      }
    }
  });

  it('never opens DuckDB for a SQLite catalog', async () => {
    const lazy = new LazyDuckDBSession(() => Promise.reject(new Error('DuckDB must not be opened')));
    const reader = await CatalogReader.open(lazy, catalog);
    try {
      expect((await reader.tables()).length).toBeGreaterThan(0);
      expect(reader.fileFormat()).toBe('sqlite');
    } finally {
      await reader.close();
    }
    expect(lazy.opens).toBe(0);
  });

  it('leaves the catalog file as it was', async () => {
    const before = readFileSync(catalog);
    const reader = await CatalogReader.open(session, catalog);
    await reader.dataFiles(1, (await reader.currentSnapshot()).id);
    await reader.close();
    expect(readFileSync(catalog).equals(before)).toBe(true);
  });

  it('refuses a truncated, damaged, foreign or newer catalog with the typed error the DuckDB reader gives', async () => {
    const bytes = readFileSync(catalog);
    const cases: Record<string, Buffer> = {
      truncated: bytes.subarray(0, 4096 + 100),
      // A header that does not vouch for the file's length, then garbage pages.
      garbage: (() => {
        const b = Buffer.concat([bytes.subarray(0, 100), Buffer.alloc(bytes.length - 100, 0xab)]);
        b.writeUInt32BE(0, 92); // version-valid-for no longer matches: the length check cannot apply
        return b;
      })(),
      text: Buffer.from('hello, I am not a database\n'),
      empty: Buffer.alloc(0),
    };
    for (const [name, content] of Object.entries(cases)) {
      const file = join(dir, `${name}.db`);
      writeFileSync(file, content);
      const error = await CatalogReader.open(session, file).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(CatalogFormatError);
      expect((error as CatalogFormatError).code, name).toBe('catalog-format');
    }

    // Not DuckLake, and a newer DuckLake: the same message from either engine.
    const foreign = join(dir, 'foreign.db');
    const newer = join(dir, 'newer.db');
    copyFileSync(catalog, newer);
    await session.run(`ATTACH ${quoteLiteral(foreign)} AS plain (TYPE sqlite)`);
    await session.run('CREATE TABLE plain.readings (id INTEGER)');
    await session.run('DETACH plain');
    await session.run(`ATTACH ${quoteLiteral(newer)} AS newer (TYPE sqlite)`);
    await session.run("UPDATE newer.ducklake_metadata SET value = '9.0' WHERE key = 'version'");
    await session.run('DETACH newer');
    for (const file of [foreign, newer]) {
      const messages = [];
      for (const engine of ['wasm', 'duckdb'] as const) {
        const error = await CatalogReader.open(session, file, { sqliteEngine: engine }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(CatalogFormatError);
        messages.push((error as CatalogFormatError).message);
      }
      expect(messages[0]).toBe(messages[1]);
    }
  });
});
