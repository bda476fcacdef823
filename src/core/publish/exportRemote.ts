import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LakehouseEntry } from '../config/lakehouseConfig';
import { exportDeltaLake, type DeltaExportReport } from '../delta';
import { readCatalogInfo } from '../lake/catalogFormat';
import { remoteDataPrefix } from '../lake/dataPrefix';
import type { DuckDBSession } from '../lake/duckdb';
import type { LeaseGuard } from '../lease/leaseGuard';
import type { LakehouseStore } from '../storage/blobStore';
import { downloadToFile } from '../storage/transfer';
import type { Progress } from '../util/progress';
import { blobDeltaLogStore } from './blobDeltaLogStore';

/**
 * Export Delta on its own, from the remote catalog as it is now (recovery after
 * a publish whose export failed, or a catalog written by another tool). Under
 * the lease, so the catalog cannot change while its logs are written.
 */
export async function exportRemoteCatalog(options: {
  entry: LakehouseEntry;
  store: LakehouseStore;
  guard: LeaseGuard;
  session: DuckDBSession;
  signal?: AbortSignal;
  progress?: Progress;
}): Promise<DeltaExportReport> {
  const { entry, store, guard, session } = options;
  // Never creates a catalog: exporting a lakehouse that has none is an error, not a first run.
  const held = await guard.acquire({ operation: 'export-delta', createIfMissing: false });
  const dir = await mkdtemp(join(tmpdir(), 'lakehouse-export-'));
  try {
    const file = join(dir, 'metadata.db');
    await downloadToFile(store.blob(entry.catalogPath), file, options.signal);
    const { dataPath } = await readCatalogInfo(session, file);
    return await exportDeltaLake({
      session,
      catalogPath: file,
      store: blobDeltaLogStore(store, remoteDataPrefix(dataPath, entry.location)),
      signal: options.signal,
      progress: options.progress,
    });
  } finally {
    await guard.release(held).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
