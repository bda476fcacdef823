import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LakehouseEntry } from '../config/lakehouseConfig';
import { LakehouseError } from '../errors';
import { DuckDBSession, quoteIdentifier, quoteLiteral, type DuckDBOptions } from '../lake/duckdb';
import type { HeldLease, LeaseGuard } from '../lease/leaseGuard';
import type { LakehouseStore } from '../storage/blobStore';
import { tablesUrl } from '../storage/location';
import { downloadToFile } from '../storage/transfer';
import { storageError } from '../storage/storageErrors';
import { copyCatalog } from '../ducklake/catalogCopy';

/** What a migration to PostgreSQL leaves next to the retired SQLite file (no connection string, ever). */
export interface RetiredMarker {
  retiredTo: 'postgres';
  connectionEnv: string;
  at: string;
  by: string;
  /** The lease kept on the old file; `--to sqlite` re-takes it to bring the catalog back. */
  leaseId: string;
  snapshots: number;
}

/** The table a migration back to SQLite leaves in the PostgreSQL database, so no team writer keeps using it. */
export const PG_RETIRED_TABLE = 'lakehouse_retired';

export interface MigrateOptions {
  entry: LakehouseEntry;
  store: LakehouseStore;
  guard: LeaseGuard;
  /** The PostgreSQL connection string; never logged or stored. */
  connection: string;
  duckdb: DuckDBOptions;
  signal?: AbortSignal;
}

export function retiredMarkerPath(entry: LakehouseEntry): string {
  return `${entry.catalogPath}.retired.json`;
}

export async function readRetiredMarker(
  store: LakehouseStore,
  entry: LakehouseEntry,
): Promise<RetiredMarker | undefined> {
  try {
    const bytes = await store.blob(retiredMarkerPath(entry)).downloadToBuffer();
    return JSON.parse(bytes.toString('utf8')) as RetiredMarker;
  } catch (error) {
    if (storageError(error).status === 404) return undefined;
    throw error;
  }
}

/**
 * SQLite → PostgreSQL, under the lease: the catalog as it is on OneLake is
 * copied table by table into the (empty) PostgreSQL database, a marker is
 * written beside the old file, and the lease is kept and stamped `retired`,
 * so no SQLite writer can take it any more (they are told why).
 */
export async function migrateToPostgres(
  options: MigrateOptions & { connectionEnv: string },
): Promise<{ snapshots: number; tables: number }> {
  const { entry, store, guard } = options;
  const held = await guard.acquire({ operation: 'migrate', createIfMissing: false });
  let retired = false;
  const dir = await mkdtemp(join(tmpdir(), 'lakehouse-migrate-'));
  const session = await DuckDBSession.open(options.duckdb);
  try {
    const file = join(dir, 'metadata.db');
    await downloadToFile(store.blob(entry.catalogPath), file, options.signal);
    await session.loadExtensions(['ducklake', 'sqlite_scanner', 'postgres_scanner']);
    await layOutPostgres(session, options.connection, entry);
    await session.run(`ATTACH ${quoteLiteral(file)} AS migrate_source (TYPE sqlite, READ_ONLY)`);
    await session.run(`ATTACH ${quoteLiteral(options.connection)} AS migrate_target (TYPE postgres)`);
    await session.run(`DROP TABLE IF EXISTS migrate_target.${quoteIdentifier(PG_RETIRED_TABLE)}`);
    const copied = await copyCatalog(session, {
      source: 'migrate_source',
      target: 'migrate_target',
      dataPath: tablesUrl(entry.location),
    });
    const marker: RetiredMarker = {
      retiredTo: 'postgres',
      connectionEnv: entry.catalogStore?.kind === 'postgres' ? entry.catalogStore.connectionEnv : options.connectionEnv,
      at: new Date().toISOString(),
      by: guard.holder,
      leaseId: held.leaseId,
      snapshots: copied.snapshots,
    };
    const body = Buffer.from(JSON.stringify(marker, null, 2));
    await store.blob(retiredMarkerPath(entry)).uploadData(body, {
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
    await guard.retire(held);
    retired = true;
    return copied;
  } finally {
    session.close();
    await rm(dir, { recursive: true, force: true });
    if (!retired) await guard.release(held).catch(() => undefined);
  }
}

/**
 * PostgreSQL → SQLite: the catalog is copied into a fresh SQLite file that is
 * uploaded over the retired one under its kept lease (re-taken by the id in
 * the marker); the lease is then released, the marker removed, and the
 * PostgreSQL database marked retired so team writers are refused.
 */
export async function migrateToSqlite(options: MigrateOptions): Promise<{ snapshots: number; tables: number }> {
  const { entry, store, guard } = options;
  const marker = await readRetiredMarker(store, entry);
  const held: HeldLease = await guard.acquire({
    operation: 'migrate',
    leaseId: marker?.leaseId,
    createIfMissing: true,
  });
  const dir = await mkdtemp(join(tmpdir(), 'lakehouse-migrate-'));
  const session = await DuckDBSession.open(options.duckdb);
  let released = false;
  try {
    const file = join(dir, 'metadata.db');
    await session.loadExtensions(['ducklake', 'sqlite_scanner', 'postgres_scanner']);
    await session.run(
      `ATTACH ${quoteLiteral(`ducklake:sqlite:${file}`)} AS migrate_layout (DATA_PATH ${quoteLiteral(tablesUrl(entry.location))})`,
    );
    await session.run('DETACH migrate_layout');
    await session.run(`ATTACH ${quoteLiteral(options.connection)} AS migrate_source (TYPE postgres, READ_ONLY)`);
    await session.run(`ATTACH ${quoteLiteral(file)} AS migrate_target (TYPE sqlite)`);
    const copied = await copyCatalog(session, {
      source: 'migrate_source',
      target: 'migrate_target',
      dataPath: tablesUrl(entry.location),
    });
    await session.run('DETACH migrate_target');
    await session.run('DETACH migrate_source');
    await guard.upload(held, { file });
    await guard.release(held);
    released = true;
    await store.blob(retiredMarkerPath(entry)).deleteIfExists();
    await session.run(`ATTACH ${quoteLiteral(options.connection)} AS migrate_retire (TYPE postgres)`);
    await session.run(
      `CREATE OR REPLACE TABLE migrate_retire.${quoteIdentifier(PG_RETIRED_TABLE)} AS SELECT 'sqlite' AS retired_to, ${quoteLiteral(new Date().toISOString())} AS retired_at, ${quoteLiteral(guard.holder)} AS retired_by`,
    );
    return copied;
  } finally {
    session.close();
    await rm(dir, { recursive: true, force: true });
    if (!released) await guard.release(held).catch(() => undefined);
  }
}

/** DuckLake creates its own tables in an empty database on the first ATTACH with a DATA_PATH. */
async function layOutPostgres(session: DuckDBSession, connection: string, entry: LakehouseEntry): Promise<void> {
  try {
    await session.run(
      `ATTACH ${quoteLiteral(`ducklake:postgres:${connection}`)} AS migrate_layout (DATA_PATH ${quoteLiteral(tablesUrl(entry.location))})`,
    );
    await session.run('DETACH migrate_layout');
  } catch (error) {
    throw new LakehouseError(
      'catalog-unreachable',
      `Cannot create the DuckLake catalog in PostgreSQL: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      'Check the connection string and that the database exists and is empty.',
    );
  }
}

/** Refuses a team run on a PostgreSQL catalog that was moved back to SQLite. */
export async function checkPostgresNotRetired(session: DuckDBSession, connection: string): Promise<void> {
  await session.loadExtensions(['postgres_scanner']);
  await session.run(`ATTACH ${quoteLiteral(connection)} AS team_check (TYPE postgres, READ_ONLY)`);
  try {
    const rows = await session.all<{ n: bigint }>(
      `SELECT count(*) AS n FROM duckdb_tables() WHERE database_name = 'team_check' AND table_name = ${quoteLiteral(PG_RETIRED_TABLE)}`,
    );
    if (Number(rows[0]?.n ?? 0) > 0)
      throw new LakehouseError(
        'catalog-retired',
        'This PostgreSQL catalog was moved back to SQLite and is retired: nothing may write it any more.',
        "Point the lakehouse's catalog in lakehouse.yml back at the SQLite file (remove the postgres catalog mapping), or migrate again with 'lakehouse catalog migrate <lakehouse> --to postgres'.",
      );
  } finally {
    await session.run('DETACH team_check');
  }
}
