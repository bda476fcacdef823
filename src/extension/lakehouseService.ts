import * as vscode from 'vscode';
import type { TokenCredential } from '@azure/identity';
import type { LakehouseEntry } from '../core/config/lakehouseConfig';
import { TOOL } from '../core/identity';
import type { DuckDBOptions } from '../core/lake/duckdb';
import { openCatalogLease } from '../core/lease/catalogLease';
import type { HeldLease, LeaseGuard } from '../core/lease/leaseGuard';
import type { LeaseView } from '../core/lease/leaseView';
import { authFor, type LakehouseStore, type StorageAuth } from '../core/storage/blobStore';
import { listFolders } from '../core/storage/tableListing';
import type { HeldLeaseStore } from './heldLeaseStore';
import type { Logger } from './log';

export interface LakehouseServiceDeps {
  log: Logger;
  holder: () => string;
  credential: () => TokenCredential;
  duckdb: () => DuckDBOptions;
  /** An account key the user stored for this lakehouse's account (SecretStorage), if any. */
  storageAuth?: (entry: LakehouseEntry) => Promise<StorageAuth | undefined>;
  /** Where held leases outlive a window reload (workspaceState); without it they live in memory only. */
  store?: HeldLeaseStore;
  /** `lakehouse.storage.stallTimeoutSeconds`, in ms: a request with no byte moving this long is retried. */
  stallTimeoutMs?: () => number | undefined;
}

export interface WindowLease {
  entry: LakehouseEntry;
  held: HeldLease;
}

/**
 * Storage and lease access for the extension: one store and guard per
 * configured lakehouse, and the leases this window holds (for the status bar
 * and the tree's "held by you").
 */
export class LakehouseService implements vscode.Disposable {
  private readonly opened = new Map<string, Promise<{ store: LakehouseStore; guard: LeaseGuard }>>();
  private readonly heldLeases = new Map<string, WindowLease>();
  private readonly heldChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeHeld = this.heldChanged.event;

  constructor(private readonly deps: LakehouseServiceDeps) {}

  open(entry: LakehouseEntry): Promise<{ store: LakehouseStore; guard: LeaseGuard }> {
    const key = keyOf(entry);
    let opened = this.opened.get(key);
    if (!opened) {
      const storageAuth = this.deps.storageAuth;
      opened = (async () => ({ auth: storageAuth ? await storageAuth(entry) : undefined }))().then(({ auth }) =>
        openCatalogLease(entry, {
          auth,
          credential: entry.location.kind === 'azurite' ? undefined : this.deps.credential(),
          holder: this.deps.holder(),
          tool: TOOL,
          duckdb: this.deps.duckdb(),
          stallTimeoutMs: this.deps.stallTimeoutMs?.(),
          onIgnoredHeaders: (headers, request) =>
            this.deps.log.debug(`Storage ignored ${headers.join(', ')} on ${request}`),
        }),
      );
      opened.catch(() => this.opened.delete(key));
      this.opened.set(key, opened);
    }
    return opened;
  }

  async inspect(entry: LakehouseEntry): Promise<LeaseView> {
    return (await this.open(entry)).guard.inspect();
  }

  async acquire(entry: LakehouseEntry, operation: string): Promise<HeldLease> {
    // Held already (e.g. before a reload): re-take it by its id instead of failing busy against ourselves.
    const mine = this.heldLeases.get(keyOf(entry));
    const held = await (
      await this.open(entry)
    ).guard.acquire({ operation, leaseId: mine?.held.leaseId, runId: mine?.held.stamp.run_id });
    this.heldLeases.set(keyOf(entry), { entry, held });
    await this.persist(entry, held);
    this.deps.log.info(`Lease taken on ${entry.name}/${entry.catalogPath} (${operation}, run ${held.stamp.run_id})`);
    this.heldChanged.fire();
    return held;
  }

  async release(entry: LakehouseEntry): Promise<void> {
    const mine = this.heldLeases.get(keyOf(entry));
    if (!mine) return;
    try {
      await (await this.open(entry)).guard.release(mine.held);
      this.deps.log.info(`Lease released on ${entry.name}/${entry.catalogPath}`);
    } finally {
      await this.forget(entry);
    }
  }

  /** Records a lease taken by core work (publish), or its end, for the tree and the status bar. */
  track(entry: LakehouseEntry, held: HeldLease | undefined): void {
    if (held) {
      this.heldLeases.set(keyOf(entry), { entry, held });
      void this.persist(entry, held);
      this.heldChanged.fire();
    } else void this.forget(entry);
  }

  /**
   * Brings back the leases this workspace held before a window reload (their ETag is
   * unknown: nothing writes under a restored lease without re-taking it), then drops
   * each one the remote shows gone or held by another run.
   */
  async restore(entries: LakehouseEntry[]): Promise<void> {
    const store = this.deps.store;
    if (!store) return;
    const restored: LakehouseEntry[] = [];
    for (const record of store.all()) {
      const entry = entries.find((e) => keyOf(e) === record.key);
      if (!entry || this.heldLeases.has(record.key)) continue;
      this.heldLeases.set(record.key, { entry, held: { leaseId: record.leaseId, stamp: record.stamp, etag: '' } });
      restored.push(entry);
    }
    if (restored.length === 0) return;
    this.heldChanged.fire();
    await Promise.all(restored.map((entry) => this.recheck(entry)));
  }

  /** Forgets this window's lease on `entry` when the remote shows it gone or held by another run. */
  async recheck(entry: LakehouseEntry): Promise<void> {
    const mine = this.heldLeases.get(keyOf(entry));
    if (!mine) return;
    let view: LeaseView;
    try {
      view = await this.inspect(entry);
    } catch (error) {
      // Unreachable now: keep the record; Release or Publish will find out.
      this.deps.log.debug(`Could not check the lease on ${entry.name}: ${(error as Error).message}`);
      return;
    }
    if (!this.isMine(entry, view)) {
      this.deps.log.info(`The lease this window held on ${entry.name}/${entry.catalogPath} is gone; forgot it.`);
      await this.forget(entry);
    }
  }

  private async persist(entry: LakehouseEntry, held: HeldLease): Promise<void> {
    await this.deps.store?.save(keyOf(entry), entry.name, entry.catalogPath, held);
  }

  private async forget(entry: LakehouseEntry): Promise<void> {
    this.heldLeases.delete(keyOf(entry));
    this.heldChanged.fire();
    await this.deps.store?.remove(keyOf(entry));
  }

  duckdbOptions(): DuckDBOptions {
    return this.deps.duckdb();
  }

  /** Storage access for DuckDB's own writes (team mode): the stored key, Azurite's, or the Entra sign-in. */
  async storageAuthFor(entry: LakehouseEntry): Promise<StorageAuth> {
    const stored = this.deps.storageAuth ? await this.deps.storageAuth(entry) : undefined;
    return stored ?? authFor(entry.location, entry.location.kind === 'azurite' ? undefined : this.deps.credential());
  }

  /** Whether this window holds the lease whose stamp is shown (same run id). */
  isMine(entry: LakehouseEntry, view: LeaseView | undefined): boolean {
    const mine = this.heldLeases.get(keyOf(entry));
    return Boolean(
      mine && view?.stamp?.run_id === mine.held.stamp.run_id && (view.status === 'held' || view.status === 'stale'),
    );
  }

  heldFor(entry: LakehouseEntry): WindowLease | undefined {
    return this.heldLeases.get(keyOf(entry));
  }

  held(): WindowLease[] {
    return [...this.heldLeases.values()];
  }

  async listSchemas(entry: LakehouseEntry): Promise<string[]> {
    return listFolders((await this.open(entry)).store, 'Tables');
  }

  async listTables(entry: LakehouseEntry, schema: string): Promise<string[]> {
    return listFolders((await this.open(entry)).store, `Tables/${schema}`);
  }

  /** Drops cached clients (settings or sign-in changed). */
  reset(): void {
    this.opened.clear();
  }

  dispose(): void {
    this.heldChanged.dispose();
  }
}

function keyOf(entry: LakehouseEntry): string {
  return `${entry.location.accountUrl}|${entry.location.container}|${entry.location.item}|${entry.catalogPath}|${entry.staleAfterMs}`;
}
