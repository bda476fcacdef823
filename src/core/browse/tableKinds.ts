import { listLog, readCommit } from '../delta/logReader';
import { blobDeltaLogStore } from '../publish/blobDeltaLogStore';
import type { LakehouseStore } from '../storage/blobStore';
import { StorageError } from '../storage/storageErrors';

/** What storage says a folder under `Tables/<schema>/` holds. */
export interface TableKind {
  schema: string;
  table: string;
  /** Data files DuckLake wrote (`ducklake-*.parquet`), found at the top or one partition level down. */
  ducklakeFiles: boolean;
  /** The latest Delta log version, when `_delta_log/` has one. */
  deltaVersion?: number;
  /** Set when the latest Delta commit was exported from a DuckLake snapshot (our export marker). */
  exportedSnapshot?: number;
}

export type TableOrigin = 'ducklake' | 'delta' | 'both' | 'empty';

/** DuckLake only, Delta only (Fabric/Spark wrote it), or both (exported, or DuckLake files next to a log). */
export function tableOrigin(kind: TableKind): TableOrigin {
  const ducklake = kind.ducklakeFiles || kind.exportedSnapshot !== undefined;
  const delta = kind.deltaVersion !== undefined;
  if (ducklake && delta) return 'both';
  if (ducklake) return 'ducklake';
  if (delta) return 'delta';
  return 'empty';
}

const DUCKLAKE_FILE = /^ducklake-[^/]*\.parquet$/;

/**
 * Looks at one table folder with a few requests: the folder's top level (one
 * List Blobs by hierarchy), one partition folder when the top holds none,
 * the Delta log listing and its latest commit (for the export marker).
 */
export async function inspectTable(store: LakehouseStore, schema: string, table: string): Promise<TableKind> {
  const folder = `Tables/${schema}/${table}`;
  const top = await listLevel(store, folder);
  let ducklakeFiles = top.files.some((f) => DUCKLAKE_FILE.test(f));
  const partitions = top.folders.filter((f) => f.includes('='));
  if (!ducklakeFiles && partitions.length > 0) {
    const inner = await listLevel(store, `${folder}/${partitions[0]}`);
    ducklakeFiles = inner.files.some((f) => DUCKLAKE_FILE.test(f));
  }
  const kind: TableKind = { schema, table, ducklakeFiles };
  if (!top.folders.includes('_delta_log')) return kind;
  const logs = blobDeltaLogStore(store, 'Tables/');
  const listing = await listLog(logs, `${schema}/${table}/`);
  kind.deltaVersion = listing.latest;
  if (listing.latest !== undefined && listing.commits.has(listing.latest)) {
    const commit = await readCommit(logs, `${schema}/${table}/`, listing.latest).catch(() => undefined);
    if (commit?.marker) kind.exportedSnapshot = commit.marker.snapshotId;
  }
  return kind;
}

export interface FolderEntry {
  name: string;
  kind: 'folder' | 'file';
  size?: number;
  lastModified?: Date;
}

/** One level of a folder inside the item (`Files`, `Files/raw`): sub-folders first, then files. */
export async function listFolderLevel(store: LakehouseStore, path: string, limit = 500): Promise<FolderEntry[]> {
  const level = await listLevel(store, path, limit, true);
  return [
    ...level.folders.map((name) => ({ name, kind: 'folder' as const })),
    ...level.details.map((d) => ({ name: d.name, kind: 'file' as const, size: d.size, lastModified: d.lastModified })),
  ];
}

async function listLevel(
  store: LakehouseStore,
  path: string,
  limit = 500,
  withDetails = false,
): Promise<{
  folders: string[];
  files: string[];
  details: Array<{ name: string; size?: number; lastModified?: Date }>;
}> {
  const prefix = `${store.location.item}/${path.replace(/^\/+|\/+$/g, '')}/`;
  const folders: string[] = [];
  const details: Array<{ name: string; size?: number; lastModified?: Date }> = [];
  try {
    for await (const item of store.container.listBlobsByHierarchy('/', { prefix })) {
      const name = item.name.slice(prefix.length).replace(/\/$/, '');
      if (!name) continue;
      if (item.kind === 'prefix') folders.push(name);
      else
        details.push(
          withDetails
            ? { name, size: item.properties.contentLength, lastModified: item.properties.lastModified }
            : { name },
        );
      if (folders.length + details.length >= limit) break;
    }
  } catch (error) {
    throw new StorageError(`list ${path}`, error);
  }
  folders.sort((a, b) => a.localeCompare(b));
  details.sort((a, b) => a.name.localeCompare(b.name));
  return { folders, files: details.map((d) => d.name), details };
}
