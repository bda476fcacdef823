/**
 * The typed messages between a QueryEngine client (extension host or CLI)
 * and the engine process (dist/queryEngine.js), over Node's IPC channel.
 * One module both sides import; no vscode, no DuckDB.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBOptions } from '../lake/duckdb';
import type { TargetSpec } from '../query/targets';
import type {
  ChartData,
  ChartRequest,
  ColumnSummary,
  ExportRequest,
  ExportResult,
  Page,
  PageRequest,
  QueryRequest,
  ResultInfo,
} from '../query/types';

/** Each operation's parameters and result. */
export interface EngineOps {
  run: { params: { request: QueryRequest; target: TargetSpec; stalenessMs: number }; result: ResultInfo };
  page: { params: { resultId: string; request: PageRequest }; result: Page };
  summary: { params: { resultId: string; column: number }; result: ColumnSummary };
  chart: { params: { resultId: string; request: ChartRequest }; result: ChartData };
  export: { params: { resultId: string; request: ExportRequest }; result: ExportResult };
  dispose: { params: { resultId: string }; result: void };
}

export type EngineOp = keyof EngineOps;

export type EngineRequest = {
  [K in EngineOp]: { kind: 'call'; id: number; op: K; params: EngineOps[K]['params'] };
}[EngineOp];

/** Interrupts the DuckDB work of call `id` (a cancel, not a kill). */
export interface CancelMessage {
  kind: 'cancel';
  id: number;
}

export type ToEngine = EngineRequest | CancelMessage;

export interface WireError {
  code: string;
  message: string;
  hint?: string;
  position?: number;
}

export type FromEngine =
  | { kind: 'ready'; pid: number }
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; error: WireError }
  | { kind: 'progress'; id: number; rows: number }
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; message: string };

/** Where an engine process lets DuckDB spill; the client removes it if the process died without doing so. */
export function engineTempDirectory(pid: number): string {
  return join(tmpdir(), `lakehouse-query-${pid}`);
}

/** Passed to the engine process in this environment variable (no secrets: options only). */
export const ENGINE_OPTIONS_ENV = 'LAKEHOUSE_ENGINE_OPTIONS';

export interface EngineStartOptions {
  duckdb: DuckDBOptions;
}
