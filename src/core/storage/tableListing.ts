import type { LakehouseStore } from './blobStore';
import { storageFailure } from './storageErrors';

/**
 * Folders directly under a path of the lakehouse item (one List Blobs call per
 * page, by hierarchy): schemas under `Tables/`, tables under `Tables/<schema>/`.
 */
export async function listFolders(store: LakehouseStore, path: string, limit = 500): Promise<string[]> {
  const prefix = `${store.location.item}/${path.replace(/^\/+|\/+$/g, '')}/`;
  const names: string[] = [];
  try {
    for await (const item of store.container.listBlobsByHierarchy('/', { prefix })) {
      if (item.kind === 'prefix') names.push(item.name.slice(prefix.length).replace(/\/$/, ''));
      if (names.length >= limit) break;
    }
  } catch (error) {
    throw storageFailure(`list ${path}`, error);
  }
  return names.filter((n) => n.length > 0 && !n.startsWith('_')).sort((a, b) => a.localeCompare(b));
}
