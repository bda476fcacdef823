import { DuckDBSession, type DuckDBOptions } from './duckdb';

/**
 * A DuckDB session opened on first use. Loading DuckDB's native binding is
 * most of a small publish's or Delta export's fixed cost, and a SQLite
 * catalog is read without it (core/ducklake's WASM reader): only a checkpoint,
 * maintenance or a Parquet read asks for the session. `opens` counts real opens.
 */
export class LazyDuckDBSession {
  private opening: Promise<DuckDBSession> | undefined;
  opens = 0;

  constructor(private readonly opener: () => Promise<DuckDBSession>) {}

  static of(options: DuckDBOptions): LazyDuckDBSession {
    return new LazyDuckDBSession(() => DuckDBSession.open(options));
  }

  /** The session, opened now if nobody asked before. */
  get(): Promise<DuckDBSession> {
    if (!this.opening) {
      this.opens++;
      this.opening = this.opener();
      // A failed open is reported to the caller that asked; the next ask tries again.
      this.opening.catch(() => (this.opening = undefined));
    }
    return this.opening;
  }

  get opened(): boolean {
    return this.opening !== undefined;
  }

  /** Closes the session if one was opened (and waits for an open in flight). */
  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (opening) (await opening.catch(() => undefined))?.close();
  }
}

/** A session that is open, or one that opens on first use. */
export type DuckDBSource = DuckDBSession | LazyDuckDBSession;

export function sessionOf(source: DuckDBSource): Promise<DuckDBSession> {
  return source instanceof LazyDuckDBSession ? source.get() : Promise.resolve(source);
}
