import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import { createEmptyCatalog } from '../../../src/core/lake/emptyCatalog';
import type { LakehouseStore } from '../../../src/core/storage/blobStore';
import { tablesUrl } from '../../../src/core/storage/location';
import { duckdb } from './lakehouse';

/**
 * Puts a real DuckLake catalog and its Parquet files on the remote, written
 * the way another machine would: made locally, then uploaded blob by blob.
 * `edit` may change the catalog's own tables (through DuckDB's sqlite writer)
 * to make it hostile.
 */
export async function seedRemoteCatalog(
  store: LakehouseStore,
  sql: string[],
  opts: { edit?: string[]; dataPathUrl?: string } = {},
): Promise<{ dir: string; catalog: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-seed-'));
  const catalog = join(dir, 'metadata.db');
  writeFileSync(catalog, await createEmptyCatalog(opts.dataPathUrl ?? tablesUrl(store.location), duckdb));
  const data = join(dir, 'data') + '/';
  const session = await DuckDBSession.open(duckdb);
  try {
    await session.loadExtensions(['ducklake', 'sqlite_scanner']);
    await session.run(
      `ATTACH ${quoteLiteral(`ducklake:sqlite:${catalog}`)} AS lake (DATA_PATH ${quoteLiteral(data)}, OVERRIDE_DATA_PATH true)`,
    );
    for (const statement of sql) await session.run(statement);
    await session.run('DETACH lake');
    if (opts.edit?.length) {
      await session.run(`ATTACH ${quoteLiteral(catalog)} AS cat (TYPE sqlite)`);
      for (const statement of opts.edit) await session.run(statement);
      await session.run('DETACH cat');
    }
  } finally {
    session.close();
  }
  await uploadTree(store, data, 'Tables/');
  await store.blob('Files/metadata.db').uploadFile(catalog);
  return { dir, catalog };
}

export async function uploadTree(store: LakehouseStore, root: string, prefix: string): Promise<number> {
  let count = 0;
  const walk = async (dir: string) => {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) await walk(full);
      else {
        await store.blob(`${prefix}${relative(root, full).split('\\').join('/')}`).uploadFile(full);
        count++;
      }
    }
  };
  await walk(root);
  return count;
}
