import { existsSync } from 'node:fs';
import { type DuckDBSource } from '../lake/lazySession';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LakehouseEntry } from '../config/lakehouseConfig';
import { exportDeltaLake, type DeltaExportReport } from '../delta';
import { readCatalogInfo } from '../lake/catalogFormat';
import { remoteDataPrefix } from '../lake/dataPrefix';
import type { LocalMirror } from '../lake/localMirror';
import { LakehouseError } from '../errors';
import type { LeaseGuard } from '../lease/leaseGuard';
import { clearRunLease, prepareRunLease } from '../run/runLease';
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
  session: DuckDBSource;
  /** The local folder of this lakehouse: an export killed here leaves its lease id there for the rerun. */
  mirror?: LocalMirror;
  signal?: AbortSignal;
  progress?: Progress;
}): Promise<DeltaExportReport> {
  const { entry, store, guard, session } = options;
  // Like a run, an export killed on this machine must not leave the rerun busy against its own
  // lease for 12 h: the lease id is kept in the local folder (when there is one) before acquiring.
  const mirror = options.mirror && existsSync(options.mirror.root) ? options.mirror : undefined;
  const record = mirror ? await prepareRunLease(mirror, guard.holder) : undefined;
  let held;
  try {
    // Never creates a catalog: exporting a lakehouse that has none is an error, not a first run.
    held = await guard.acquire({
      operation: 'export-delta',
      createIfMissing: false,
      leaseId: record?.leaseId,
      runId: record?.runId,
    });
  } catch (error) {
    // Busy or no catalog: this id holds nothing. A network failure keeps the record: the acquire may have landed.
    if (mirror && error instanceof LakehouseError && error.code !== 'storage') await clearRunLease(mirror);
    throw error;
  }
  const dir = await mkdtemp(join(tmpdir(), 'lakehouse-export-'));
  try {
    const file = join(dir, 'metadata.db');
    await downloadToFile(store.blob(entry.catalogPath), file, options.signal);
    const { dataPath } = await readCatalogInfo(session, file);
    return await exportDeltaLake({
      session,
      catalogPath: file,
      store: blobDeltaLogStore(store, remoteDataPrefix(dataPath, entry.location)),
      iceberg: entry.iceberg === true,
      signal: options.signal,
      progress: options.progress,
    });
  } finally {
    const released = await guard.release(held).then(
      () => true,
      () => false,
    );
    if (mirror && released) await clearRunLease(mirror);
    await rm(dir, { recursive: true, force: true });
  }
}
