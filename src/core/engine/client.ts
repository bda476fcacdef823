import { fork, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { CancelledError, LakehouseError } from '../errors';
import type { DuckDBOptions } from '../lake/duckdb';
import { EngineCrashedError, QueryFailedError } from '../query/errors';
import type { TargetResolver } from '../query/targets';
import type {
  ChartData,
  ChartRequest,
  ColumnSummary,
  ExportRequest,
  ExportResult,
  Page,
  PageRequest,
  QueryEngine,
  QueryRequest,
  ResultInfo,
} from '../query/types';
import {
  engineTempDirectory,
  ENGINE_OPTIONS_ENV,
  type EngineOp,
  type EngineOps,
  type EngineStartOptions,
  type FromEngine,
  type ToEngine,
  type WireError,
} from './protocol';

/** The staleness budget for published tables when none is given: 60 s. */
export const DEFAULT_STALENESS_MS = 60_000;

export type EngineLog = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface QueryEngineOptions {
  /** The bundled engine entry, `dist/queryEngine.js`. */
  enginePath: string;
  duckdb: DuckDBOptions;
  /** Turns a QueryTarget into what the engine opens; runs here, where credentials live. */
  resolveTarget: TargetResolver;
  log?: EngineLog;
  /** Published tables: how long a Delta log and file list are reused without asking storage again. */
  stalenessMs?: number;
  /** The Node binary to start the engine with; this process's own by default. */
  execPath?: string;
  env?: NodeJS.ProcessEnv;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  onProgress?: (rows: number) => void;
}

export function createQueryEngine(options: QueryEngineOptions): QueryEngineClient {
  return new QueryEngineClient(options);
}

/**
 * QueryEngine over a child process: every call is a message to the engine
 * process; if that process dies, the calls in flight reject with
 * EngineCrashedError and the next call starts a fresh process.
 */
export class QueryEngineClient implements QueryEngine {
  private child?: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closing = false;
  stalenessMs: number;

  constructor(private readonly options: QueryEngineOptions) {
    this.stalenessMs = options.stalenessMs ?? DEFAULT_STALENESS_MS;
  }

  /** The engine process id while one runs (tests kill it to prove crash handling). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async run(request: QueryRequest, signal?: AbortSignal): Promise<ResultInfo> {
    if (signal?.aborted) throw new CancelledError('Query');
    const target = await this.options.resolveTarget(request.target);
    return this.call('run', { request, target, stalenessMs: this.stalenessMs }, signal);
  }

  page(resultId: string, request: PageRequest, signal?: AbortSignal): Promise<Page> {
    return this.call('page', { resultId, request }, signal);
  }

  summary(resultId: string, column: number, signal?: AbortSignal): Promise<ColumnSummary> {
    return this.call('summary', { resultId, column }, signal);
  }

  chart(resultId: string, request: ChartRequest, signal?: AbortSignal): Promise<ChartData> {
    return this.call('chart', { resultId, request }, signal);
  }

  export(
    resultId: string,
    request: ExportRequest,
    signal?: AbortSignal,
    onProgress?: (rowsWritten: number) => void,
  ): Promise<ExportResult> {
    return this.call('export', { resultId, request }, signal, onProgress);
  }

  async dispose(resultId: string): Promise<void> {
    // Nothing to release when no engine runs (its results died with it).
    if (!this.child || !resultId) return;
    await this.call('dispose', { resultId });
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.closing = true;
    try {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        // The engine stops itself when its IPC channel closes.
        if (child.connected) child.disconnect();
        else child.kill('SIGTERM');
      });
    } finally {
      this.closing = false;
    }
  }

  private call<K extends EngineOp>(
    op: K,
    params: EngineOps[K]['params'],
    signal?: AbortSignal,
    onProgress?: (rows: number) => void,
  ): Promise<EngineOps[K]['result']> {
    if (signal?.aborted) return Promise.reject(new CancelledError('Query'));
    const child = this.ensureChild();
    const id = this.nextId++;
    return new Promise<EngineOps[K]['result']>((resolve, reject) => {
      const onAbort = () => this.send(child, { kind: 'cancel', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
        if (this.pending.size === 0) this.idle(child);
      };
      this.pending.set(id, {
        resolve: (value) => {
          settle();
          resolve(value as EngineOps[K]['result']);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
        onProgress,
      });
      this.busy(child);
      this.send(child, { kind: 'call', id, op, params } as ToEngine);
    });
  }

  private send(child: ChildProcess, message: ToEngine): void {
    if (!child.connected) return;
    child.send(message, (error) => {
      if (error && message.kind === 'call') this.pending.get(message.id)?.reject(new EngineCrashedError(error.message));
    });
  }

  private ensureChild(): ChildProcess {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return this.child;
    const start: EngineStartOptions = { duckdb: this.options.duckdb };
    const child = fork(this.options.enginePath, [], {
      execPath: this.options.execPath,
      env: { ...(this.options.env ?? process.env), [ENGINE_OPTIONS_ENV]: JSON.stringify(start) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child = child;
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString().trim();
      if (text) this.options.log?.('warn', `query engine: ${text.slice(0, 2_000)}`);
    });
    child.on('message', (message: FromEngine) => this.receive(message));
    child.on('error', (error) => this.options.log?.('error', `query engine: ${error.message}`));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (child.pid) rm(engineTempDirectory(child.pid), { recursive: true, force: true }).catch(() => undefined);
      const detail = signal ? `killed by ${signal}` : `exit code ${code}`;
      if (!this.closing) this.options.log?.('warn', `The query engine process stopped (${detail}).`);
      const error = this.closing
        ? new LakehouseError('engine-closed', 'The query engine was closed.')
        : new EngineCrashedError(detail);
      for (const entry of [...this.pending.values()]) entry.reject(error);
    });
    this.options.log?.('info', `Started the query engine (pid ${child.pid}).`);
    return child;
  }

  private receive(message: FromEngine): void {
    switch (message.kind) {
      case 'result':
        this.pending.get(message.id)?.resolve(message.value);
        return;
      case 'error':
        this.pending.get(message.id)?.reject(fromWire(message.error));
        return;
      case 'progress':
        this.pending.get(message.id)?.onProgress?.(message.rows);
        return;
      case 'log':
        this.options.log?.(message.level, `query engine: ${message.message}`);
        return;
      case 'ready':
        return;
    }
  }

  /** The engine keeps this process alive only while a call waits for it (a CLI exits when done). */
  private busy(child: ChildProcess): void {
    child.ref();
    (child.channel as { ref?: () => void } | undefined)?.ref?.();
  }

  private idle(child: ChildProcess): void {
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
  }
}

function fromWire(error: WireError): Error {
  if (error.code === 'cancelled') return new CancelledError('Query');
  if (error.code === 'engine-crashed') return new EngineCrashedError();
  return new QueryFailedError(error.message, error.position, error.hint, error.code);
}
