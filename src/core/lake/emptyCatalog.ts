import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBSession, quoteLiteral, type DuckDBOptions } from './duckdb';

/**
 * Bytes of a valid, empty DuckLake catalog (SQLite) whose stored data_path is
 * the lakehouse's Tables URL, made by the real ducklake extension so the schema
 * version is exactly what that extension writes.
 */
export async function createEmptyCatalog(dataPathUrl: string, duckdb: DuckDBOptions): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'lakehouse-catalog-'));
  const file = join(dir, 'metadata.db');
  const session = await DuckDBSession.open({ ...duckdb, path: ':memory:' });
  try {
    await session.loadExtensions(['ducklake', 'sqlite_scanner']);
    await session.run(
      `ATTACH ${quoteLiteral(`ducklake:sqlite:${file}`)} AS new_catalog (DATA_PATH ${quoteLiteral(dataPathUrl)})`,
    );
    await session.run('DETACH new_catalog');
    return await readFile(file);
  } finally {
    session.close();
    await rm(dir, { recursive: true, force: true });
  }
}
