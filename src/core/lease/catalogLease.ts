import type { TokenCredential } from '@azure/identity';
import {
  authFor,
  openLakehouseStore,
  RequestCounter,
  type LakehouseStore,
  type StorageAuth,
} from '../storage/blobStore';
import { tablesUrl } from '../storage/location';
import { catalogFileName, type LakehouseEntry } from '../config/lakehouseConfig';
import { createEmptyCatalog } from '../lake/emptyCatalog';
import type { DuckDBOptions } from '../lake/duckdb';
import { LeaseGuard } from './leaseGuard';

export interface CatalogLeaseDeps {
  credential?: TokenCredential;
  /** Overrides the auth the location implies (an account key the user stored for a plain Blob account). */
  auth?: StorageAuth;
  holder: string;
  tool: string;
  duckdb: DuckDBOptions;
  counter?: RequestCounter;
  now?: () => Date;
  /** Above this size the catalog commit stages and copies (default: Put Blob's 5000 MiB). Tests lower it. */
  singleShotLimitBytes?: number;
  /** Headers the service ignored that guard nothing (tier, ACL): for the log. */
  onIgnoredHeaders?: (headers: string[], request: string) => void;
  /** A request with no byte moving for this long is given up and retried (default 2 min). */
  stallTimeoutMs?: number;
}

/** The store and lease guard for one configured lakehouse's catalog. */
export async function openCatalogLease(
  entry: LakehouseEntry,
  deps: CatalogLeaseDeps,
): Promise<{ store: LakehouseStore; guard: LeaseGuard }> {
  const store = await openLakehouseStore(entry.location, deps.auth ?? authFor(entry.location, deps.credential), {
    counter: deps.counter,
    onIgnoredHeaders: deps.onIgnoredHeaders,
    stallTimeoutMs: deps.stallTimeoutMs,
  });
  const guard = new LeaseGuard({
    blob: store.blob(entry.catalogPath),
    catalogName: catalogFileName(entry),
    staleAfterMs: entry.staleAfterMs,
    holder: deps.holder,
    tool: deps.tool,
    now: deps.now,
    createEmptyCatalog: () => createEmptyCatalog(tablesUrl(entry.location), deps.duckdb),
    stagingBlob: (suffix) => store.blob(`${entry.catalogPath}${suffix}`),
    singleShotLimitBytes: deps.singleShotLimitBytes,
  });
  return { store, guard };
}
