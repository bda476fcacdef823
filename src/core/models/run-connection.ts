import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * A run's DuckDB connection, opened and set up once (extensions, settings, attaches). It can be
 * started early — while the project is still being parsed — when the run will surely send SQL:
 * DuckDB's start (native load, extensions, ATTACH) then runs on its own thread alongside the parse
 * instead of after it. A start that fails is reported only when the run asks for the connection,
 * exactly as if it had been opened then.
 */
export class RunConnection {
  private opening: Promise<DuckDBConnection> | undefined;
  /** What setting up failed with: the run stops on it, as it is no one node's failure. */
  failure: unknown;

  constructor(private readonly setUp: () => Promise<DuckDBConnection>) {}

  /** The connection, opened now unless it was already (or is being). */
  get(): Promise<DuckDBConnection> {
    this.opening ??= this.setUp().catch((error: unknown) => {
      this.failure = error;
      throw error;
    });
    return this.opening;
  }

  /** Starts opening without waiting; nothing is reported until get() is called. */
  start(): void {
    this.get().catch(() => undefined);
  }

  get started(): boolean {
    return this.opening !== undefined;
  }

  /** Waits for a start in flight, so the caller never closes DuckDB under a running ATTACH. */
  async settled(): Promise<void> {
    await this.opening?.catch(() => undefined);
  }
}
