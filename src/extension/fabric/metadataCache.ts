/**
 * Values fetched from the network, each kept for a staleness budget: a read
 * within the budget costs no request; after it, the next read (or a poll)
 * loads again. Failures are cached too, so a 403 is not re-asked on every
 * render. No vscode here: the budget and the clock are passed in.
 */
export interface CachedValue<T> {
  value?: T;
  error?: unknown;
  fetchedAt: number;
}

interface Slot {
  cached?: CachedValue<unknown>;
  pending?: Promise<unknown>;
  load: () => Promise<unknown>;
  /** Set by invalidate(): the next read loads even within the budget. */
  forced: boolean;
}

export class MetadataCache {
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly budgetMs: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value for `key`: cached within the budget, else loaded once (concurrent readers share the load). */
  async get<T>(key: string, load: () => Promise<T>): Promise<T> {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { load, forced: false };
      this.slots.set(key, slot);
    }
    slot.load = load;
    if (slot.cached && !slot.forced && this.fresh(slot.cached)) return unwrap(slot.cached as CachedValue<T>);
    return unwrap((await this.reload(key, slot)) as CachedValue<T>);
  }

  /** Without loading: what is cached, fresh or not. */
  peek<T>(key: string): CachedValue<T> | undefined {
    return this.slots.get(key)?.cached as CachedValue<T> | undefined;
  }

  /** Marks keys (all, or those starting with `prefix`) so the next read loads. */
  invalidate(prefix = ''): void {
    for (const [key, slot] of this.slots) if (key.startsWith(prefix)) slot.forced = true;
  }

  /** Drops everything (sign-out, tenant switch): nothing of the old identity may show. */
  clear(): void {
    this.slots.clear();
  }

  /**
   * Reloads every key whose budget ran out and returns the keys whose value
   * (or error) changed: the poll behind per-node change events.
   */
  async refreshExpired(): Promise<string[]> {
    const changed: string[] = [];
    for (const [key, slot] of [...this.slots]) {
      if (slot.cached && this.fresh(slot.cached) && !slot.forced) continue;
      const before = slot.cached;
      const after = await this.reload(key, slot);
      if (!sameValue(before, after)) changed.push(key);
    }
    return changed;
  }

  private fresh(cached: CachedValue<unknown>): boolean {
    return this.now() - cached.fetchedAt < this.budgetMs();
  }

  private reload(key: string, slot: Slot): Promise<CachedValue<unknown>> {
    if (!slot.pending) {
      slot.forced = false;
      slot.pending = slot
        .load()
        .then(
          (value) => ({ value, fetchedAt: this.now() }),
          (error: unknown) => ({ error, fetchedAt: this.now() }),
        )
        .then((cached) => {
          if (this.slots.get(key) === slot) slot.cached = cached;
          slot.pending = undefined;
          return cached;
        });
    }
    return slot.pending as Promise<CachedValue<unknown>>;
  }
}

function unwrap<T>(cached: CachedValue<T>): T {
  if (cached.error !== undefined) throw cached.error;
  return cached.value as T;
}

function sameValue(a: CachedValue<unknown> | undefined, b: CachedValue<unknown>): boolean {
  if (!a) return false;
  const text = (c: CachedValue<unknown>) =>
    c.error !== undefined
      ? `error:${c.error instanceof Error ? c.error.message : String(c.error)}`
      : JSON.stringify(c.value, (_k, v: unknown) => (v instanceof Date ? v.toISOString() : v));
  return text(a) === text(b);
}
