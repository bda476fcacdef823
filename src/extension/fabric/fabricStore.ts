import * as vscode from 'vscode';
import type { LakehouseEntry } from '../../core/config/lakehouseConfig';
import { inspectTable, listFolderLevel, type FolderEntry, type TableKind } from '../../core/browse/tableKinds';
import {
  discoveredLocation,
  FabricClient,
  type FabricLakehouse,
  type FabricWorkspace,
  type FabricWorkspaceDetails,
} from '../../core/fabric';
import type { LeaseView } from '../../core/lease/leaseView';
import { listFolders } from '../../core/storage/tableListing';
import { forEachLimit } from '../../core/util/pool';
import type { FabricSignIn, SignInState } from '../fabricSignIn';
import type { LakehouseService } from '../lakehouseService';
import type { Logger } from '../log';
import { MetadataCache } from './metadataCache';

export interface FabricStoreDeps {
  signIn: FabricSignIn;
  lakehouses: LakehouseService;
  log: Logger;
  /** The Fabric REST base URL (the default, or the test aid's fake server). */
  apiUrl: string | undefined;
  /** Staleness budget (setting lakehouse.fabric.cacheSeconds). */
  budgetMs: () => number;
  /** Default lease stale-after for discovered lakehouses (setting lakehouse.lease.staleAfter). */
  staleAfterMs: () => number;
}

/** A discovered lakehouse with what the tree and the commands need. */
export interface DiscoveredLakehouse {
  workspace: FabricWorkspaceDetails;
  lakehouse: FabricLakehouse;
  entry: LakehouseEntry;
}

/**
 * What the Microsoft Fabric view shows, cached with a staleness budget:
 * workspaces and lakehouses from the Fabric REST API; the catalog's lease,
 * tables and files from OneLake. Views read only from here. Fires the store
 * keys whose values changed (after a poll or a Refresh), so the tree updates
 * the nodes that show them, not the whole view.
 */
export class FabricStore implements vscode.Disposable {
  private readonly cache: MetadataCache;
  private readonly changed = new vscode.EventEmitter<string[] | undefined>();
  /** Keys changed (undefined: everything, e.g. sign-in changed). */
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly deps: FabricStoreDeps) {
    this.cache = new MetadataCache(deps.budgetMs);
    this.subscription = deps.signIn.onDidChange(() => {
      // Another account or tenant: nothing cached for the old one may show.
      this.cache.clear();
      this.changed.fire(undefined);
    });
  }

  signInState(): Promise<SignInState> {
    return this.deps.signIn.state();
  }

  private client(): FabricClient {
    return new FabricClient({
      baseUrl: this.deps.apiUrl,
      token: async () =>
        (await this.deps.signIn.token('https://api.fabric.microsoft.com/.default', 'browse your workspaces'))
          .accessToken,
      onRequest: (method, url) => this.deps.log.trace(`Fabric ${method} ${new URL(url).pathname}`),
    });
  }

  workspaces(): Promise<FabricWorkspace[]> {
    return this.cache.get('workspaces', () => this.client().listWorkspaces());
  }

  workspace(id: string): Promise<FabricWorkspaceDetails> {
    return this.cache.get(`workspace:${id}`, () => this.client().getWorkspace(id));
  }

  async lakehouses(workspaceId: string): Promise<DiscoveredLakehouse[]> {
    const [workspace, list] = await Promise.all([
      this.workspace(workspaceId),
      this.cache.get(`lakehouses:${workspaceId}`, () => this.client().listLakehouses(workspaceId)),
    ]);
    return list
      .slice()
      .sort((a, b) => a.displayName.localeCompare(b.displayName))
      .map((lakehouse) => ({ workspace, lakehouse, entry: this.entryOf(workspace, lakehouse) }));
  }

  private entryOf(workspace: FabricWorkspaceDetails, lakehouse: FabricLakehouse): LakehouseEntry {
    return {
      name: lakehouse.displayName,
      location: discoveredLocation(workspace, lakehouse),
      catalogPath: 'Files/metadata.db',
      staleAfterMs: this.deps.staleAfterMs(),
      source: `Fabric workspace ${workspace.displayName}`,
    };
  }

  catalog(entry: LakehouseEntry): Promise<LeaseView> {
    return this.cache.get(`catalog:${storeKey(entry)}`, () => this.deps.lakehouses.inspect(entry));
  }

  schemas(entry: LakehouseEntry): Promise<string[]> {
    return this.cache.get(`schemas:${storeKey(entry)}`, async () =>
      listFolders((await this.deps.lakehouses.open(entry)).store, 'Tables'),
    );
  }

  tables(entry: LakehouseEntry, schema: string): Promise<TableKind[]> {
    return this.cache.get(`tables:${storeKey(entry)}/${schema}`, async () => {
      const { store } = await this.deps.lakehouses.open(entry);
      const names = await listFolders(store, `Tables/${schema}`);
      // A few tables at a time: each costs 1–4 small requests, and a schema may hold hundreds.
      const kinds: TableKind[] = new Array(names.length);
      await forEachLimit(
        names.map((table, i) => ({ table, i })),
        6,
        async ({ table, i }) => {
          kinds[i] = await inspectTable(store, schema, table);
        },
      );
      return kinds;
    });
  }

  files(entry: LakehouseEntry, path: string): Promise<FolderEntry[]> {
    return this.cache.get(`files:${storeKey(entry)}/${path}`, async () =>
      listFolderLevel((await this.deps.lakehouses.open(entry)).store, path),
    );
  }

  /** Refresh: the next read of everything loads again (the tree re-reads at once). */
  refresh(): void {
    this.cache.invalidate();
    this.changed.fire(undefined);
  }

  /** Refresh only the lease states (after a lease command). */
  refreshLeases(): void {
    this.cache.invalidate('catalog:');
    void this.poll();
  }

  /** Reloads what ran past its budget; fires the keys whose values changed. */
  async poll(): Promise<void> {
    const keys = await this.cache.refreshExpired();
    if (keys.length > 0) this.changed.fire(keys);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** The cache key part of a lakehouse: its storage location and catalog path. */
export function storeKey(entry: LakehouseEntry): string {
  return `${entry.location.accountUrl}|${entry.location.container}|${entry.location.item}|${entry.catalogPath}`;
}
