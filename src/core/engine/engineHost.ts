import { rmSync } from 'node:fs';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { CancelledError, LakehouseError } from '../errors';
import type { DuckDBOptions } from '../lake/duckdb';
import { chartData } from '../query/chartData';
import { columnSummary } from '../query/columnSummary';
import { QueryFailedError } from '../query/errors';
import { exportResult } from '../query/exportResult';
import { LocalCatalogs } from '../query/localTarget';
import { PublishedTables } from '../query/publishedTables';
import { connectionSecrets, TeamCatalogs } from '../query/teamTarget';
import { redactSecrets } from '../config/credentials';
import { ResultSets } from '../query/resultSets';
import type { PublishedAuth } from '../query/targets';
import type { RequestCounts, ResultInfo } from '../query/types';
import { engineTempDirectory, type EngineOps, type EngineRequest, type WireError } from './protocol';

const NO_REQUESTS: RequestCounts = { log: 0, list: 0, data: 0, total: 0 };

/**
 * The engine process's work: one DuckDB instance, a connection per call (so
 * a page can be read while a query runs, and Cancel interrupts exactly the
 * call it targets), the result tables, and the two kinds of target.
 */
export class EngineHost {
  private readonly results = new ResultSets();
  private readonly local: LocalCatalogs;
  private readonly published: PublishedTables;
  private readonly team: TeamCatalogs;
  private readonly running = new Map<number, DuckDBConnection>();
  private readonly cancelled = new Set<number>();
  /** Storage keys and tokens this engine was handed: scrubbed from every error it sends back. */
  private readonly secrets = new Set<string>();
  /** Runs attach/detach targets: one at a time. */
  private runs: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    readonly options: DuckDBOptions,
  ) {
    this.local = new LocalCatalogs(options.extensionDirectory);
    this.published = new PublishedTables(options.extensionDirectory);
    this.team = new TeamCatalogs(options.extensionDirectory);
  }

  static async open(options: DuckDBOptions): Promise<EngineHost> {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const config: Record<string, string> = {};
    if (options.extensionDirectory) config.extension_directory = options.extensionDirectory;
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    if (options.threads && options.threads > 0) config.threads = String(options.threads);
    // Big results spill here rather than into the process's working directory (which may not be writable).
    config.temp_directory = engineTempDirectory(process.pid);
    const instance = await DuckDBInstance.create(':memory:', config);
    const host = new EngineHost(instance, options);
    const conn = await host.connect();
    try {
      // Exact, comparable timestamps whatever the machine's zone; the offset is always shown.
      await conn.run(`SET GLOBAL TimeZone = 'UTC'`);
      await ResultSets.prepare(conn);
    } finally {
      conn.closeSync();
    }
    return host;
  }

  async handle(request: EngineRequest, onProgress: (rows: number) => void): Promise<unknown> {
    const conn = await this.connect();
    this.running.set(request.id, conn);
    try {
      if (this.cancelled.has(request.id)) throw new CancelledError('Query');
      return await this.dispatch(conn, request, onProgress);
    } catch (error) {
      if (this.cancelled.has(request.id)) throw new CancelledError('Query');
      throw error;
    } finally {
      this.running.delete(request.id);
      this.cancelled.delete(request.id);
      conn.closeSync();
    }
  }

  /** Interrupts the DuckDB work of a call (the connection stays usable). */
  cancel(id: number): void {
    this.cancelled.add(id);
    this.running.get(id)?.interrupt();
  }

  /** An error as it may leave the engine: code, message, hint, position; never a key, token or connection. */
  wireError(error: unknown): WireError {
    const wire = toWireError(error);
    // Longest first: a connection string goes whole before its password is looked for.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      wire.message = wire.message.split(secret).join('***');
      if (wire.hint) wire.hint = wire.hint.split(secret).join('***');
    }
    wire.message = redactSecrets(wire.message);
    if (wire.hint) wire.hint = redactSecrets(wire.hint);
    return wire;
  }

  close(): void {
    for (const conn of this.running.values()) conn.interrupt();
    this.published.close();
    this.local.close();
    this.instance.closeSync();
    rmSync(engineTempDirectory(process.pid), { recursive: true, force: true });
  }

  private async connect(): Promise<DuckDBConnection> {
    const conn = await this.instance.connect();
    // Errors as JSON carry DuckDB's own `position` in the SQL.
    await conn.run('SET errors_as_json = true');
    return conn;
  }

  private dispatch(conn: DuckDBConnection, request: EngineRequest, onProgress: (rows: number) => void) {
    switch (request.op) {
      case 'run':
        return this.serialRun(conn, request.params, () => {
          // An interrupt only reaches a statement that is running: check between the steps too.
          if (this.cancelled.has(request.id)) throw new CancelledError('Query');
        });
      case 'page':
        return this.results.page(conn, request.params.resultId, request.params.request);
      case 'summary':
        return columnSummary(conn, this.results.get(request.params.resultId), request.params.column);
      case 'chart':
        return chartData(conn, this.results.get(request.params.resultId), request.params.request);
      case 'export':
        return exportResult(conn, this.results.get(request.params.resultId), request.params.request, onProgress);
      case 'dispose':
        return this.results.dispose(conn, request.params.resultId);
      default:
        throw new LakehouseError('usage', `Unknown engine operation '${(request as { op: string }).op}'.`);
    }
  }

  private serialRun(
    conn: DuckDBConnection,
    params: EngineOps['run']['params'],
    checkpoint: () => void,
  ): Promise<ResultInfo> {
    const work = this.runs.then(() => this.run(conn, params, checkpoint));
    this.runs = work.catch(() => undefined);
    return work;
  }

  private async run(
    conn: DuckDBConnection,
    params: EngineOps['run']['params'],
    checkpoint: () => void,
  ): Promise<ResultInfo> {
    const { request, target, stalenessMs } = params;
    checkpoint();
    // A team lakehouse's local target is its PostgreSQL catalog (there is no pulled copy).
    const kind = target.kind === 'team' ? 'local' : target.kind;
    if (target.lakehouse !== request.target.lakehouse || kind !== request.target.kind)
      throw new LakehouseError('usage', 'The resolved target does not match the requested one.');
    if (target.kind === 'team') {
      for (const secret of connectionSecrets(target.connection)) this.secrets.add(secret);
      this.addStorageSecret(target.auth);
      // Both local kinds attach as `lake`: only one at a time.
      await this.local.detach(conn);
      await this.team.use(conn, target);
      checkpoint();
      const created = await this.results.create(conn, request.sql);
      return this.info(request, created, NO_REQUESTS, undefined);
    }
    if (target.kind === 'local') {
      await this.team.detach(conn);
      await this.local.use(conn, target);
      checkpoint();
      const created = await this.results.create(conn, request.sql);
      return this.info(request, created, NO_REQUESTS, undefined);
    }
    this.addStorageSecret(target.auth);
    let requests = NO_REQUESTS;
    const session = await this.published.use(conn, target, stalenessMs);
    checkpoint();
    const cached = session.cached;
    const created = await this.results.create(conn, request.sql).finally(async () => {
      requests = await session.counts(conn);
    });
    return this.info(request, created, requests, cached);
  }

  private addStorageSecret(auth: PublishedAuth): void {
    const secret = auth.kind === 'sharedKey' ? auth.key : auth.token;
    if (secret.length >= 8) this.secrets.add(secret);
  }

  private info(
    request: EngineOps['run']['params']['request'],
    created: Awaited<ReturnType<ResultSets['create']>>,
    requests: RequestCounts,
    cached: boolean | undefined,
  ): ResultInfo {
    return {
      resultId: created.resultId,
      target: request.target,
      columns: created.columns,
      rowCount: created.rowCount,
      elapsedMs: Math.round(created.elapsedMs * 1000) / 1000,
      requests,
      ...(cached !== undefined ? { cached } : {}),
      ...(created.statementOnly ? { statementOnly: true } : {}),
    };
  }
}

/** What crosses the wire for an error: code, message, hint and (for SQL errors) the position. */
export function toWireError(error: unknown): WireError {
  if (error instanceof QueryFailedError)
    return {
      code: error.code,
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      ...(error.position !== undefined ? { position: error.position } : {}),
    };
  if (error instanceof LakehouseError)
    return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  return { code: 'engine-error', message: error instanceof Error ? error.message : String(error) };
}
