import type { LakehouseEntry } from '../config/lakehouseConfig';
import type { LeaseGuard } from '../lease/leaseGuard';
import type { LakehouseStore } from '../storage/blobStore';

/**
 * A first run on a lakehouse that has no catalog yet creates it (and, on the
 * emulator, its container), so a new project needs no setup by hand. Returns
 * what was created, in words, for the run's log; nothing when all was there.
 * Only called before the first pull: a catalog deleted after one stays deleted.
 */
export async function ensureCatalogOnFirstUse(options: {
  entry: LakehouseEntry;
  store: LakehouseStore;
  guard: LeaseGuard;
  /** The caller takes the lease itself next (one-shot publish), which creates the catalog. */
  leaseFollows: boolean;
}): Promise<string[]> {
  const { entry, store, guard } = options;
  const said: string[] = [];
  const where = `${entry.location.container}/${entry.location.item}`;
  // OneLake workspaces are made in Fabric, never through storage; the emulator's containers are ours to make.
  if (entry.location.kind === 'azurite') {
    const created = await store.container.createIfNotExists();
    if (created.succeeded) said.push(`Created the emulator container '${entry.location.container}'.`);
  }
  if (await store.blob(entry.catalogPath).exists()) return said;
  if (!options.leaseFollows) {
    // Taking and giving back the lease is how an empty catalog is made (If-None-Match *, race-safe).
    const held = await guard.acquire({ operation: 'create-catalog', createIfMissing: true });
    await guard.release(held);
  }
  said.push(`No catalog at ${where}/${entry.catalogPath} yet: created an empty DuckLake catalog there (first run).`);
  return said;
}
