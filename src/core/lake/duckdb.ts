import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { CancelledError, LakehouseError } from '../errors';

/** The DuckDB release the pinned @duckdb/node-api embeds; extension binaries must match it. */
export const DUCKDB_VERSION = '1.5.5';

export interface DuckDBOptions {
  /** Database file; `:memory:` when omitted. */
  path?: string;
  /** Where extensions are installed and loaded from; DuckDB's default (~/.duckdb/extensions) when omitted. */
  extensionDirectory?: string;
  /** DuckDB `memory_limit`, e.g. `4GB`. */
  memoryLimit?: string;
  /** Worker threads; every core when omitted or 0. */
  threads?: number;
}

export class ExtensionUnavailableError extends LakehouseError {
  constructor(name: string, directory: string | undefined, cause: unknown) {
    super(
      'extension-unavailable',
      `DuckDB could not load its '${name}' extension${directory ? ` from ${directory}` : ''}: ${
        cause instanceof Error ? cause.message.split('\n')[0] : String(cause)
      }`,
      directory
        ? `Run 'npm run provision:extensions' (offline machines) or clear the lakehouse.duckdb.extensionDirectory setting so DuckDB downloads it.`
        : `DuckDB downloads extensions on first use; check the network, or set lakehouse.duckdb.extensionDirectory to a folder with v${DUCKDB_VERSION} binaries.`,
      { cause },
    );
  }
}

export type Row = Record<string, unknown>;

/**
 * One in-process DuckDB database and one connection to it, shaped like
 * duckdb-node-neo's own API: an async factory, explicit close, and
 * interrupt() wired to an AbortSignal so Cancel stops a running query.
 */
export class DuckDBSession {
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    readonly options: DuckDBOptions,
  ) {}

  static async open(options: DuckDBOptions = {}): Promise<DuckDBSession> {
    // Loaded on first use: the native binding is the heaviest thing we ship.
    const { DuckDBInstance } = await loadNodeApi();
    const config: Record<string, string> = {};
    if (options.extensionDirectory) config.extension_directory = options.extensionDirectory;
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    if (options.threads && options.threads > 0) config.threads = String(options.threads);
    const instance = await DuckDBInstance.create(options.path ?? ':memory:', config);
    const connection = await instance.connect();
    return new DuckDBSession(instance, connection, options);
  }

  /** Runs SQL (one or more statements) and discards results. */
  async run(sql: string, params?: DuckDBValue[] | Record<string, DuckDBValue>, signal?: AbortSignal): Promise<void> {
    await this.guard(signal, () => this.connection.run(sql, params));
  }

  /** Runs a query and returns its rows as plain JS objects (BIGINT as bigint). */
  async all<T extends Row = Row>(
    sql: string,
    params?: DuckDBValue[] | Record<string, DuckDBValue>,
    signal?: AbortSignal,
  ): Promise<T[]> {
    return (await this.guard(signal, () => runReadingRows(this.connection, sql, params))).rows as T[];
  }

  /** Loads extensions up front so a missing binary fails with a clear message, not mid-run. */
  async loadExtensions(names: readonly string[]): Promise<void> {
    for (const name of names) {
      try {
        await this.connection.run(`LOAD ${quoteIdentifier(name)}`);
      } catch {
        try {
          await this.connection.run(`INSTALL ${quoteIdentifier(name)}; LOAD ${quoteIdentifier(name)}`);
        } catch (error) {
          throw new ExtensionUnavailableError(name, this.options.extensionDirectory, error);
        }
      }
    }
  }

  /** Another connection to the same database (its attaches and loaded extensions; its own USE, SETs and temp objects). */
  connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  interrupt(): void {
    if (!this.closed) this.connection.interrupt();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private async guard<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    if (signal?.aborted) throw new CancelledError('Query');
    const onAbort = () => this.interrupt();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await work();
    } catch (error) {
      if (signal?.aborted) throw new CancelledError('Query');
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Where DuckDB should look for extensions: an explicit setting wins, then the
 * LAKEHOUSE_DUCKDB_EXTENSIONS variable (CI and tests), then a provisioned
 * folder next to the package; otherwise DuckDB's own default.
 */
export function resolveExtensionDirectory(
  configured: string | undefined,
  env: NodeJS.ProcessEnv,
  provisioned: string | undefined,
  exists: (path: string) => boolean,
): string | undefined {
  if (configured) return configured;
  if (env.LAKEHOUSE_DUCKDB_EXTENSIONS) return env.LAKEHOUSE_DUCKDB_EXTENSIONS;
  if (provisioned && exists(provisioned)) return provisioned;
  return undefined;
}

/**
 * Runs SQL and returns its column names and its rows as plain JS objects (BIGINT as bigint), as
 * `runAndReadAll(…).getRowObjectsJS()` does. `run` gives DuckDB's materialized result, whose chunks
 * are read here synchronously; `readAll` fetched each through another round trip to DuckDB's thread
 * pool, and one more to find no more: two or three per statement instead of one, each a wait for a
 * thread to be scheduled on a loaded machine.
 */
export async function runReadingRows(
  connection: DuckDBConnection,
  sql: string,
  params?: DuckDBValue[] | Record<string, DuckDBValue>,
): Promise<{ columnNames: string[]; rows: Row[] }> {
  const result = await connection.run(sql, params);
  const convert = (nodeApi ??= await loadNodeApi()).JSDuckDBValueConverter;
  // Repeated names get `:1`, `:2`… as getRowObjectsJS gives them.
  const names = result.deduplicatedColumnNames();
  const rows: Row[] = [];
  for (let i = 0, chunks = result.chunkCount; i < chunks; i++) {
    const chunk = result.getChunk(i);
    for (let r = 0, n = chunk.rowCount; r < n; r++) {
      const row: Row = {};
      chunk.visitRowValues(r, (value, _row, column, type) => {
        row[names[column]!] = convert(value, type, convert);
      });
      rows.push(row);
    }
  }
  return { columnNames: result.columnNames(), rows };
}

let nodeApi: typeof import('@duckdb/node-api') | undefined;

/**
 * `require` where there is one (our CommonJS bundles: CLI, extension, engine):
 * `import()` of this CommonJS package goes through Node's ESM loader, which
 * first parses every one of its files with cjs-module-lexer, 2-3x the time of
 * `require` (measured: ~0.5 s vs ~0.25 s on the loaded CI machine), paid by every
 * CLI command that opens DuckDB. Tests run as ESM and take the `import()`.
 */
async function loadNodeApi(): Promise<typeof import('@duckdb/node-api')> {
  if (typeof require === 'function') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@duckdb/node-api') as typeof import('@duckdb/node-api');
  }
  return import('@duckdb/node-api');
}
