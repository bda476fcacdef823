/**
 * Where Delta logs are written: an object store rooted at the lakehouse
 * `Tables/` folder (the DuckLake DATA_PATH). Paths are relative to that root
 * and use `/`. The exporter only ever touches `<table folder>/_delta_log/`.
 *
 * Implementations: fsDeltaLogStore (local folder, tests, local mirror) and the
 * Azure Blob store (put-if-absent = `If-None-Match: *`).
 */
export interface DeltaLogStore {
  /** The object's bytes, or undefined when it does not exist. */
  read(path: string): Promise<Uint8Array | undefined>;
  /**
   * The object's first `bytes` bytes (all of it when shorter), or undefined when it does not exist: a commit's
   * first line (our marker) without its thousands of add lines. Optional; `read` stands in where missing.
   */
  readHead?(path: string, bytes: number): Promise<Uint8Array | undefined>;
  /** Names (not paths) of the objects directly inside folder `dir` (ends with `/`); [] when it does not exist. */
  list(dir: string): Promise<string[]>;
  /** Creates the object only if nothing exists at `path`, atomically: readers never see a partial object. */
  putIfAbsent(path: string, bytes: Uint8Array): Promise<'written' | 'exists'>;
  /** Creates or replaces the object; used only for `_last_checkpoint`, which the protocol lets writers overwrite. */
  put(path: string, bytes: Uint8Array): Promise<void>;
}

export interface StoreRequestCounts {
  reads: number;
  lists: number;
  writes: number;
  total: number;
}

/** Wraps a store and counts every request, so a caller can report what an export cost. */
export class CountingDeltaLogStore implements DeltaLogStore {
  private readonly counts = { reads: 0, lists: 0, writes: 0 };

  constructor(private readonly inner: DeltaLogStore) {}

  read(path: string): Promise<Uint8Array | undefined> {
    this.counts.reads++;
    return this.inner.read(path);
  }

  readHead(path: string, bytes: number): Promise<Uint8Array | undefined> {
    this.counts.reads++;
    return this.inner.readHead ? this.inner.readHead(path, bytes) : this.inner.read(path);
  }

  list(dir: string): Promise<string[]> {
    this.counts.lists++;
    return this.inner.list(dir);
  }

  putIfAbsent(path: string, bytes: Uint8Array): Promise<'written' | 'exists'> {
    this.counts.writes++;
    return this.inner.putIfAbsent(path, bytes);
  }

  put(path: string, bytes: Uint8Array): Promise<void> {
    this.counts.writes++;
    return this.inner.put(path, bytes);
  }

  snapshot(): StoreRequestCounts {
    const { reads, lists, writes } = this.counts;
    return { reads, lists, writes, total: reads + lists + writes };
  }
}

export function diffCounts(after: StoreRequestCounts, before: StoreRequestCounts): StoreRequestCounts {
  return {
    reads: after.reads - before.reads,
    lists: after.lists - before.lists,
    writes: after.writes - before.writes,
    total: after.total - before.total,
  };
}
