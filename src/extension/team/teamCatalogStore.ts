import type { LakehouseEntry } from '../../core/config/lakehouseConfig';
import { describeError } from '../../core/errors';
import type { TeamSnapshot } from '../../core/team/teamSnapshot';

/** What the tree knows of a team catalog right now (never waits for the network). */
export interface TeamCatalogState {
  snapshot?: TeamSnapshot;
  error?: string;
  /** No connection string is set for it (neither SecretStorage nor the environment). */
  noConnection?: boolean;
  loading: boolean;
}

export interface TeamCatalogStoreDeps {
  /** The connection string for an entry (SecretStorage, then the environment), or undefined. */
  connection: (entry: LakehouseEntry) => Promise<string | undefined>;
  read: (connection: string) => Promise<TeamSnapshot>;
  /** How long a read stays fresh: the tree re-reads on the next look after that. */
  maxAgeMs: number;
  now?: () => number;
}

interface Cached {
  at: number;
  state: TeamCatalogState;
}

/**
 * The latest snapshot of each PostgreSQL catalog, cached with a staleness
 * budget. `peek` answers at once from the cache and, when the entry is stale
 * or unknown, starts one read in the background and tells listeners when it
 * lands, so the tree never blocks on (or calls) the database itself.
 */
export class TeamCatalogStore {
  private readonly cache = new Map<string, Cached>();
  private readonly reading = new Map<string, Promise<void>>();
  private readonly listeners = new Set<(name: string) => void>();

  constructor(private readonly deps: TeamCatalogStoreDeps) {}

  onDidChange(listener: (name: string) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  peek(entry: LakehouseEntry): TeamCatalogState {
    const cached = this.cache.get(entry.name);
    const now = (this.deps.now ?? Date.now)();
    if (!cached || now - cached.at > this.deps.maxAgeMs) void this.refresh(entry);
    return cached ? { ...cached.state, loading: this.reading.has(entry.name) } : { loading: true };
  }

  /** Reads now (one read at a time per catalog) and notifies; after a run, or from the refresh button. */
  refresh(entry: LakehouseEntry): Promise<void> {
    const running = this.reading.get(entry.name);
    if (running) return running;
    const work = (async () => {
      let state: TeamCatalogState;
      try {
        const connection = await this.deps.connection(entry);
        state = connection
          ? { snapshot: await this.deps.read(connection), loading: false }
          : { noConnection: true, loading: false };
      } catch (error) {
        state = { error: describeError(error), loading: false };
      }
      this.cache.set(entry.name, { at: (this.deps.now ?? Date.now)(), state });
    })().finally(() => {
      this.reading.delete(entry.name);
      for (const listener of this.listeners) listener(entry.name);
    });
    this.reading.set(entry.name, work);
    return work;
  }

  dispose(): void {
    this.listeners.clear();
  }
}
