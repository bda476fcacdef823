import { mkdtemp, rm } from 'node:fs/promises';
import { type DuckDBSource } from '../lake/lazySession';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LakehouseEntry } from '../config/lakehouseConfig';
import { listLiveFiles } from '../lake/catalogFiles';
import { CatalogReader } from '../ducklake/catalogReader';
import { remoteDataPrefix } from '../lake/dataPrefix';
import type { HeldLease, LeaseGuard } from '../lease/leaseGuard';
import type { LakehouseStore } from '../storage/blobStore';
import { storageFailure } from '../storage/storageErrors';
import { downloadToFile } from '../storage/transfer';

export interface OrphanFile {
  /** Path inside the lakehouse item, e.g. `Tables/main/t/ducklake-….parquet`. */
  path: string;
  sizeBytes: number;
  lastModified: Date;
  /** Younger than the minimum age: may belong to a publish in progress, so never deleted. */
  recent: boolean;
}

export interface OrphanReport {
  orphans: OrphanFile[];
  deleted: number;
  bytes: number;
}

/**
 * DuckLake Parquet files under the data folder that no snapshot of the remote
 * catalog references and DuckLake has not scheduled for deletion: what an
 * aborted publish leaves behind. Deleting needs the lease (no publish can be
 * mid-upload) and skips recent files.
 */
export async function findOrphans(options: {
  entry: LakehouseEntry;
  store: LakehouseStore;
  session: DuckDBSource;
  guard: LeaseGuard;
  /** Delete the orphans older than minAgeMs, under the lease. */
  delete?: boolean;
  minAgeMs?: number;
  now?: () => Date;
}): Promise<OrphanReport> {
  const { entry, store, session, guard } = options;
  const minAgeMs = options.minAgeMs ?? 3_600_000;
  const now = (options.now ?? (() => new Date()))();
  let held: HeldLease | undefined;
  if (options.delete) held = await guard.acquire({ operation: 'clean-orphans' });
  const dir = await mkdtemp(join(tmpdir(), 'lakehouse-orphans-'));
  try {
    const catalogFile = join(dir, 'metadata.db');
    await downloadToFile(store.blob(entry.catalogPath), catalogFile);
    const tables = await CatalogReader.open(session, catalogFile);
    let referenced: Set<string>;
    let prefix: string;
    try {
      prefix = remoteDataPrefix((await tables.metadata()).dataPath, entry.location);
      referenced = new Set((await listLiveFiles(tables, undefined, 'all')).map((f) => `${prefix}${f.path}`));
      for (const path of await scheduledForDeletion(tables)) referenced.add(`${prefix}${path}`);
    } finally {
      await tables.close();
    }
    const orphans: OrphanFile[] = [];
    const itemPrefix = `${store.location.item}/`;
    try {
      for await (const blob of store.container.listBlobsFlat({ prefix: `${itemPrefix}${prefix}` })) {
        const path = blob.name.slice(itemPrefix.length);
        if (!/\/ducklake-[^/]+\.parquet$/.test(path) || referenced.has(path)) continue;
        const lastModified = blob.properties.lastModified;
        orphans.push({
          path,
          sizeBytes: blob.properties.contentLength ?? 0,
          lastModified,
          recent: now.getTime() - lastModified.getTime() < minAgeMs,
        });
      }
    } catch (error) {
      throw storageFailure(`list ${prefix}`, error);
    }
    let deleted = 0;
    if (held) {
      for (const orphan of orphans.filter((o) => !o.recent)) {
        await store.blob(orphan.path).deleteIfExists();
        deleted++;
      }
    }
    return { orphans, deleted, bytes: orphans.reduce((sum, o) => sum + o.sizeBytes, 0) };
  } finally {
    if (held) await guard.release(held).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

async function scheduledForDeletion(catalog: CatalogReader): Promise<string[]> {
  try {
    return (await catalog.scheduledDeletions()).filter((f) => f.pathIsRelative).map((f) => f.path);
  } catch {
    return [];
  }
}
