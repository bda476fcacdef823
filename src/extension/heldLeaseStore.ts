import type { HeldLease } from '../core/lease/leaseGuard';
import type { LeaseStamp } from '../core/lease/stamp';

/** The part of VS Code's Memento this store uses (workspaceState); no `vscode` import, so it unit-tests. */
export interface LeaseMemento {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

/** One lease this workspace's window holds, as kept across a window reload. */
export interface HeldLeaseRecord {
  /** The lakehouse entry's key (location, catalog path, threshold). */
  key: string;
  lakehouse: string;
  catalogPath: string;
  /** Never logged: with storage access, it lets a writer act under the lease. */
  leaseId: string;
  stamp: LeaseStamp;
}

const KEY = 'lakehouse.heldLeases';

/**
 * The leases this workspace holds, in workspaceState: per workspace by design, and
 * restored by the next window, so Release and Publish still reach the lease after a
 * reload. The lease id is no credential (it acts only with storage access the user
 * already has) and already sits in the publish journal and `run-lease.json` on disk.
 */
export class HeldLeaseStore {
  constructor(private readonly memento: LeaseMemento) {}

  all(): HeldLeaseRecord[] {
    const stored = this.memento.get<unknown>(KEY);
    return Array.isArray(stored) ? stored.filter(isRecord) : [];
  }

  get(key: string): HeldLeaseRecord | undefined {
    return this.all().find((r) => r.key === key);
  }

  async save(key: string, lakehouse: string, catalogPath: string, held: HeldLease): Promise<void> {
    const record: HeldLeaseRecord = { key, lakehouse, catalogPath, leaseId: held.leaseId, stamp: { ...held.stamp } };
    await this.memento.update(KEY, [...this.all().filter((r) => r.key !== key), record]);
  }

  async remove(key: string): Promise<void> {
    const rest = this.all().filter((r) => r.key !== key);
    await this.memento.update(KEY, rest.length > 0 ? rest : undefined);
  }
}

/** A stored value from an older or hand-edited state is skipped, never trusted. */
function isRecord(value: unknown): value is HeldLeaseRecord {
  if (!value || typeof value !== 'object') return false;
  const r = value as Partial<HeldLeaseRecord>;
  return (
    typeof r.key === 'string' &&
    typeof r.lakehouse === 'string' &&
    typeof r.catalogPath === 'string' &&
    typeof r.leaseId === 'string' &&
    r.leaseId.length > 0 &&
    typeof r.stamp?.run_id === 'string' &&
    typeof r.stamp.holder === 'string' &&
    typeof r.stamp.acquired_at === 'string' &&
    typeof r.stamp.operation === 'string'
  );
}
