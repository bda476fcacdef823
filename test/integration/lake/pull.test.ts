import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnsafeCatalogPathError } from '../../../src/core/lake/catalogFiles';
import { CatalogFormatError } from '../../../src/core/lake/catalogFormat';
import { DuckDBSession } from '../../../src/core/lake/duckdb';
import { attachWorkingCatalog } from '../../../src/core/lake/lakeSession';
import { LocalMirror } from '../../../src/core/lake/localMirror';
import { LocalChangesConflictError, pull } from '../../../src/core/lake/pull';
import { ConfigError } from '../../../src/core/errors';
import { duckdb, freshLakehouse } from '../support/lakehouse';
import { seedRemoteCatalog, uploadTree } from '../support/seed';

const TABLES = [
  "CREATE TABLE lake.main.sites AS SELECT i AS site_id, 'site ' || i AS name FROM range(50) t(i)",
  'CREATE TABLE lake.main.readings AS SELECT i AS id, i % 50 AS site_id, i * 0.25 AS kwh FROM range(20000) t(i)',
];

describe('pull into the local mirror', () => {
  let session: DuckDBSession;
  let mirror: LocalMirror;
  beforeEach(async () => {
    session = await DuckDBSession.open(duckdb);
    mirror = new LocalMirror(mkdtempSync(join(tmpdir(), 'lakehouse-mirror-')));
  });
  afterEach(() => session.close());

  it('downloads the catalog and the live files, and a second pull with no remote change downloads nothing', async () => {
    const lake = await freshLakehouse();
    await seedRemoteCatalog(lake.store, TABLES);
    const first = await pull({ entry: lake.entry, store: lake.store, mirror, session });
    expect(first.catalog).toBe('downloaded');
    expect(first.state.dataPrefix).toBe('Tables/');
    expect(first.files.downloaded).toBe(2);
    expect(first.files.cached).toBe(0);

    const mark = lake.store.counter.total;
    const second = await pull({ entry: lake.entry, store: lake.store, mirror, session });
    expect(second.catalog).toBe('unchanged');
    expect(second.files).toEqual({ downloaded: 0, downloadedBytes: 0, cached: 2 });
    expect(lake.store.counter.since(mark)).toBe(1); // one HEAD: same ETag, no download

    await attachWorkingCatalog(session, mirror, first.state, { readOnly: true });
    const [row] = await session.all<{ n: bigint; kwh: number }>(
      'SELECT count(*) AS n, sum(kwh) AS kwh FROM lake.main.readings',
    );
    expect(row).toEqual({ n: 20000n, kwh: 49_997_500 });
  });

  it('fetches only the tables asked for, and only new files after a remote change', async () => {
    const lake = await freshLakehouse();
    const { catalog } = await seedRemoteCatalog(lake.store, TABLES);
    const only = await pull({
      entry: lake.entry,
      store: lake.store,
      mirror,
      session,
      tables: [{ schema: 'main', table: 'sites' }],
    });
    expect(only.files.downloaded).toBe(1);

    // Someone else appends to readings and publishes the catalog.
    const other = await DuckDBSession.open(duckdb);
    const data = join(catalog, '..', 'data') + '/';
    await other.loadExtensions(['ducklake', 'sqlite_scanner']);
    await other.run(`ATTACH 'ducklake:sqlite:${catalog}' AS lake (DATA_PATH '${data}', OVERRIDE_DATA_PATH true)`);
    await other.run('INSERT INTO lake.main.readings SELECT i, i % 50, 1.0 FROM range(20000, 21000) t(i)');
    await other.run('DETACH lake');
    other.close();
    await uploadTree(lake.store, data, 'Tables/').catch(() => 0); // existing names are re-put unchanged
    await lake.store.blob('Files/metadata.db').uploadFile(catalog);

    const after = await pull({ entry: lake.entry, store: lake.store, mirror, session });
    expect(after.catalog).toBe('downloaded');
    expect(after.files.cached).toBe(1); // sites
    expect(after.files.downloaded).toBe(2); // the first readings file and the appended one
  });

  it('refuses catalog paths that escape the mirror, and writes nothing outside it', async () => {
    const lake = await freshLakehouse();
    await seedRemoteCatalog(lake.store, TABLES, {
      edit: [
        "UPDATE cat.ducklake_data_file SET path = '../../../../tmp/evil-' || data_file_id || '.parquet' WHERE table_id = (SELECT min(table_id) FROM cat.ducklake_data_file)",
      ],
    });
    const error = await pull({ entry: lake.entry, store: lake.store, mirror, session }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafeCatalogPathError);
    expect((error as Error).message).toMatch(/references '.*\.\.\/.*evil-.*', which leaves the data folder/);
    expect(existsSync('/tmp/evil-1.parquet')).toBe(false);
  });

  it('refuses absolute file paths (files added from elsewhere)', async () => {
    const lake = await freshLakehouse();
    await seedRemoteCatalog(lake.store, TABLES, {
      edit: ["UPDATE cat.ducklake_data_file SET path = '/etc/passwd', path_is_relative = 0"],
    });
    await expect(pull({ entry: lake.entry, store: lake.store, mirror, session })).rejects.toThrow(
      /absolute path outside the lakehouse/,
    );
  });

  it('refuses an unsupported catalog version and leaves the previous local copy alone', async () => {
    const lake = await freshLakehouse();
    await seedRemoteCatalog(lake.store, TABLES);
    await pull({ entry: lake.entry, store: lake.store, mirror, session });
    const before = readFileSync(mirror.catalogFile);
    await seedRemoteCatalog(lake.store, TABLES, {
      edit: ["UPDATE cat.ducklake_metadata SET value = '9.0' WHERE key = 'version'"],
    });
    const error = await pull({ entry: lake.entry, store: lake.store, mirror, session }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogFormatError);
    expect((error as Error).message).toContain('DuckLake version 9.0; this build of Lakehouse Dev supports 1.0');
    expect(Buffer.compare(readFileSync(mirror.catalogFile), before)).toBe(0);
  });

  it('says a corrupt or empty catalog is not a catalog', async () => {
    const lake = await freshLakehouse();
    for (const [bytes, why] of [
      [Buffer.from('garbage that is not sqlite at all'), /neither a SQLite nor a DuckDB database/],
      [Buffer.alloc(0), /it is empty/],
    ] as const) {
      await lake.store.blob('Files/metadata.db').uploadData(bytes);
      const error = await pull({ entry: lake.entry, store: lake.store, mirror, session }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CatalogFormatError);
      expect((error as Error).message).toMatch(why);
      // Named as the remote catalog, not the temp file it was downloaded to, which is not left behind.
      expect((error as Error).message).toMatch(/^The remote Files\/metadata\.db is neither/);
      expect((error as Error).message).not.toContain('.download');
      expect(existsSync(`${mirror.baseFile}.download`)).toBe(false);
    }
  });

  it('refuses a catalog whose data lives outside this lakehouse', async () => {
    const lake = await freshLakehouse();
    await seedRemoteCatalog(lake.store, [], {
      dataPathUrl: 'abfss://other@onelake.dfs.fabric.microsoft.com/x.Lakehouse/Tables/',
    });
    const error = await pull({ entry: lake.entry, store: lake.store, mirror, session }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('is outside this lakehouse');
  });

  it('reads DuckDB-file catalogs too (sniffed from the header)', async () => {
    const lake = await freshLakehouse();
    const dir = mkdtempSync(join(tmpdir(), 'lakehouse-duckcat-'));
    const w = await DuckDBSession.open(duckdb);
    await w.loadExtensions(['ducklake']);
    // Created with the lakehouse's data_path, written through a local override, as a remote machine would.
    await w.run(
      `ATTACH 'ducklake:${dir}/metadata.ducklake' AS lake (DATA_PATH 'az://${lake.store.location.container}/test.Lakehouse/Tables/')`,
    );
    await w.run('DETACH lake');
    await w.run(
      `ATTACH 'ducklake:${dir}/metadata.ducklake' AS lake (DATA_PATH '${dir}/data/', OVERRIDE_DATA_PATH true)`,
    );
    await w.run('CREATE TABLE lake.t AS SELECT 7 AS x');
    await w.run('DETACH lake');
    w.close();
    await uploadTree(lake.store, `${dir}/data/`, 'Tables/');
    await lake.store.blob('Files/metadata.db').uploadFile(`${dir}/metadata.ducklake`);
    const result = await pull({ entry: lake.entry, store: lake.store, mirror, session });
    expect(result.state.format).toBe('duckdb');
    await attachWorkingCatalog(session, mirror, result.state, { readOnly: true });
    expect(await session.all('SELECT x FROM lake.t')).toEqual([{ x: 7 }]);
  });

  it('keeps unpublished local changes, and refuses when the remote moved on too', async () => {
    const lake = await freshLakehouse();
    await seedRemoteCatalog(lake.store, TABLES);
    const first = await pull({ entry: lake.entry, store: lake.store, mirror, session });
    await attachWorkingCatalog(session, mirror, first.state);
    await session.run('CREATE TABLE lake.main.mine AS SELECT 1 AS a');
    await session.run('DETACH lake');
    expect((await pull({ entry: lake.entry, store: lake.store, mirror, session })).catalog).toBe('kept-local-changes');

    await seedRemoteCatalog(lake.store, TABLES); // someone published a different catalog
    await expect(pull({ entry: lake.entry, store: lake.store, mirror, session })).rejects.toBeInstanceOf(
      LocalChangesConflictError,
    );
    const reset = await pull({ entry: lake.entry, store: lake.store, mirror, session, discardLocalChanges: true });
    expect(reset.catalog).toBe('downloaded');
  });
});
