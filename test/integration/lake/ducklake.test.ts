import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listLiveFiles } from '../../../src/core/lake/catalogFiles';
import { CatalogReader } from '../../../src/core/ducklake/catalogReader';
import { DuckDBSession, ExtensionUnavailableError, quoteLiteral } from '../../../src/core/lake/duckdb';
import { createEmptyCatalog } from '../../../src/core/lake/emptyCatalog';
import { CatalogFormatError } from '../../../src/core/ducklake/errors';
import { readCatalogInfo } from '../../../src/core/lake/catalogFormat';
import { exportDeltaLake, fsDeltaLogStore } from '../../../src/core/delta';
import { checkReadiness, DEFAULT_SKU } from '../../../src/core/readiness';
import { duckdb } from '../support/lakehouse';

describe('DuckDB with the real ducklake extension', () => {
  it('creates a DuckLake with a SQLite catalog, writes, detaches, re-attaches and reads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lakehouse-ducklake-'));
    const catalog = join(dir, 'metadata.db');
    const session = await DuckDBSession.open({ ...duckdb, memoryLimit: '1GB', threads: 2 });
    try {
      await session.loadExtensions(['ducklake', 'sqlite_scanner']);
      await session.run(
        `ATTACH ${quoteLiteral(`ducklake:sqlite:${catalog}`)} AS lake (DATA_PATH ${quoteLiteral(join(dir, 'data') + '/')})`,
      );
      await session.run(
        `CREATE TABLE lake.readings AS SELECT i AS id, i * 1.5 AS kwh, 'm' || (i % 7) AS meter FROM range(1000) t(i)`,
      );
      await session.run('DETACH lake');
      expect(readFileSync(catalog).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');

      await session.run(`ATTACH ${quoteLiteral(`ducklake:sqlite:${catalog}`)} AS lake (READ_ONLY)`);
      const [row] = await session.all<{ n: bigint; kwh: number; meters: bigint }>(
        'SELECT count(*) AS n, sum(kwh) AS kwh, count(DISTINCT meter) AS meters FROM lake.readings',
      );
      expect(row).toEqual({ n: 1000n, kwh: 749_250, meters: 7n });
      const settings = await session.all<{ threads: string; memory_limit: string }>(
        "SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS memory_limit",
      );
      expect(Number(settings[0]!.threads)).toBe(2);
      expect(settings[0]!.memory_limit).toMatch(/^(1\.0 GiB|953\.6 MiB|1 GB)$/);
      await session.run('DETACH lake');

      const tables = await CatalogReader.open(session, catalog);
      const files = await listLiveFiles(tables);
      await tables.close();
      expect(files.length).toBeGreaterThan(0);
      expect(
        files.every((f) => f.schema === 'main' && f.table === 'readings' && f.path.startsWith('main/readings/')),
      ).toBe(true);
    } finally {
      session.close();
    }
  });

  it('makes an empty catalog whose stored data_path is the lakehouse Tables URL', async () => {
    const bytes = await createEmptyCatalog('az://ws/x.Lakehouse/Tables/', duckdb);
    const dir = mkdtempSync(join(tmpdir(), 'lakehouse-empty-'));
    const file = join(dir, 'metadata.db');
    (await import('node:fs')).writeFileSync(file, bytes);
    const session = await DuckDBSession.open(duckdb);
    try {
      await session.loadExtensions(['sqlite_scanner']);
      const rows = await session.all<{ value: string }>(
        `SELECT value FROM sqlite_scan(${quoteLiteral(file)}, 'ducklake_metadata') WHERE key = 'data_path'`,
      );
      expect(rows[0]?.value).toBe('az://ws/x.Lakehouse/Tables/');
    } finally {
      session.close();
    }
  });

  it('interrupts a running query when the signal fires', async () => {
    const session = await DuckDBSession.open(duckdb);
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      const started = Date.now();
      await expect(
        session.all('SELECT count(*) FROM range(10000000000) a, range(10) b', undefined, controller.signal),
      ).rejects.toThrow(/cancelled/);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(await session.all('SELECT 42 AS answer')).toEqual([{ answer: 42 }]);
    } finally {
      session.close();
    }
  });

  it('names the extension and the fix when a binary is missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'lakehouse-noext-'));
    const session = await DuckDBSession.open({ extensionDirectory: empty });
    try {
      const error = await session.loadExtensions(['ducklake']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExtensionUnavailableError);
      expect((error as Error).message).toContain(`'ducklake' extension from ${empty}`);
      expect((error as ExtensionUnavailableError).hint).toContain('provision:extensions');
    } finally {
      session.close();
    }
  });

  it('one reader: pull, the Delta exporter and the readiness check refuse a non-DuckLake SQLite file alike', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lakehouse-notlake-'));
    const file = join(dir, 'metadata.db');
    const session = await DuckDBSession.open({ ...duckdb, threads: 2 });
    try {
      await session.loadExtensions(['sqlite_scanner']);
      await session.run(`ATTACH ${quoteLiteral(file)} AS plain (TYPE sqlite)`);
      await session.run('CREATE TABLE plain.readings (id INTEGER)');
      await session.run('DETACH plain');
      const message = `${file} is a SQLite database but not a DuckLake catalog (no ducklake_metadata table).`;
      const refusal = async (work: () => Promise<unknown>) => {
        const error = await work().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(CatalogFormatError);
        return (error as CatalogFormatError).message;
      };
      expect(await refusal(() => readCatalogInfo(session, file))).toBe(message);
      expect(
        await refusal(() =>
          exportDeltaLake({ session, catalogPath: file, store: fsDeltaLogStore(join(dir, 'Tables')) }),
        ),
      ).toBe(message);
      expect(
        await refusal(() =>
          checkReadiness({ session, catalogPath: file, dataFile: (p) => join(dir, p), sku: DEFAULT_SKU }),
        ),
      ).toBe(message);
      // Nothing stays attached after a refusal.
      const attached = await session.all<{ n: bigint }>(
        "SELECT count(*) AS n FROM duckdb_databases() WHERE NOT internal AND database_name NOT IN ('memory')",
      );
      expect(attached[0]!.n).toBe(0n);
    } finally {
      session.close();
    }
  });

  it('rolls back a commit a killed writer left half-done before reading the catalog read-only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lakehouse-hot-journal-'));
    const catalog = join(dir, 'metadata.db');
    const session = await DuckDBSession.open(duckdb);
    try {
      await session.loadExtensions(['ducklake', 'sqlite_scanner']);
      await session.run(
        `ATTACH ${quoteLiteral(`ducklake:sqlite:${catalog}`)} AS lake (DATA_PATH ${quoteLiteral(join(dir, 'data') + '/')})`,
      );
      await session.run('CREATE TABLE lake.readings AS SELECT i AS id FROM range(100) t(i)');
      await session.run('DETACH lake');
      const before = await CatalogReader.open(session, catalog);
      const metadataBefore = await before.metadata();
      const filesBefore = await listLiveFiles(before);
      await before.close();

      // A writer SIGKILLed mid-transaction, its page cache spilled into the file: SQLite leaves a hot journal.
      const killed = spawnSync('python3', [
        '-c',
        [
          'import sqlite3, os, signal',
          `c = sqlite3.connect(${JSON.stringify(catalog)})`,
          "c.execute('pragma cache_size=2')",
          "c.execute('begin')",
          "c.execute('delete from ducklake_metadata')",
          "c.execute('delete from ducklake_data_file')",
          'c.execute("create table junk as with recursive r(i) as (select 1 union all select i + 1 from r where i < 20000) select i, printf(\'%0200d\', i) as pad from r")',
          'os.kill(os.getpid(), signal.SIGKILL)',
        ].join('\n'),
      ]);
      expect(killed.signal, killed.stderr.toString()).toBe('SIGKILL');
      expect(statSync(`${catalog}-journal`).size).toBeGreaterThan(0);

      // Read-only, the file alone would fail ("attempt to write a readonly database"); the reader rolls back first.
      const after = await CatalogReader.open(session, catalog);
      try {
        expect(await after.metadata()).toEqual(metadataBefore);
        expect(await listLiveFiles(after)).toEqual(filesBefore);
      } finally {
        await after.close();
      }
      expect(existsSync(`${catalog}-journal`) && statSync(`${catalog}-journal`).size > 0).toBe(false);
    } finally {
      session.close();
    }
  });
});
