import { LakehouseError } from '../errors';
import type { QueryErrorInfo } from './types';

/** The engine process stopped (crash, out-of-memory, killed); calls in flight fail with this. */
export class EngineCrashedError extends LakehouseError {
  constructor(detail?: string) {
    super(
      'engine-crashed',
      `The query engine stopped${detail ? ` (${detail})` : ''}; the next query starts a fresh one.`,
      'Run the query again. If it keeps stopping the engine, lower lakehouse.duckdb.memoryLimit or narrow the query.',
    );
  }
}

/** DuckDB refused or failed the SQL; `position` is the 0-based offset in the user's SQL when DuckDB gave one. */
export class QueryFailedError extends LakehouseError {
  constructor(
    message: string,
    readonly position?: number,
    hint?: string,
    code = 'query-failed',
  ) {
    super(code, message, hint);
  }
}

/** A result handle the engine no longer holds (disposed, or the engine restarted). */
export class ResultGoneError extends LakehouseError {
  constructor(resultId: string) {
    super(
      'result-gone',
      `The result ${resultId} is no longer held by the query engine.`,
      'Run the query again (results are released when their panel closes or the engine restarts).',
    );
  }
}

/**
 * Reads DuckDB's error (with `errors_as_json` on, the message is a JSON object
 * with `exception_type`, `exception_message` and, for parse and bind errors,
 * `position`). `offset` maps a position in the SQL DuckDB saw back to the
 * user's text (negative when we prefixed their statement).
 */
export function duckdbErrorInfo(error: unknown, offset = 0, sqlLength?: number): QueryErrorInfo {
  const raw = error instanceof Error ? error.message : String(error);
  const json = parseJsonError(raw);
  if (!json) {
    const hint = missingDataFileHint(raw);
    return {
      code: 'query-failed',
      message: raw,
      position: caretPosition(raw, offset, sqlLength),
      ...(hint ? { hint } : {}),
    };
  }
  const type = typeof json.exception_type === 'string' ? json.exception_type : 'Error';
  const text = typeof json.exception_message === 'string' ? json.exception_message : raw;
  const message = `${type} Error: ${text}`;
  let position: number | undefined;
  if (json.position !== undefined && /^\d+$/.test(String(json.position))) {
    const p = Number(json.position) + offset;
    if (p >= 0 && (sqlLength === undefined || p <= sqlLength)) position = p;
  }
  const code = /^interrupt$/i.test(type) ? 'cancelled' : 'query-failed';
  const hint = missingDataFileHint(text);
  return { code, message, ...(position !== undefined ? { position } : {}), ...(hint ? { hint } : {}) };
}

/**
 * A data file the catalog names but the mirror lacks: a run pulls only the tables its
 * selected models read, so a local query of another table lands here.
 */
function missingDataFileHint(text: string): string | undefined {
  if (!/Cannot open file "[^"]*\.parquet": No such file or directory/.test(text)) return undefined;
  return "This table's data is not in the local mirror (a run pulls only the tables its models read). Pull the lakehouse (lakehouse pull, or Lakehouse: Pull) to fetch every table, or query the published tables.";
}

function parseJsonError(raw: string): Record<string, unknown> | undefined {
  const at = raw.indexOf('{"exception_type"');
  if (at < 0) return undefined;
  try {
    return JSON.parse(raw.slice(at)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** DuckDB's text form: `LINE 1: <line>` and a caret under the column. Used when an error is not JSON. */
function caretPosition(raw: string, offset: number, sqlLength?: number): number | undefined {
  const m = /LINE (\d+): (.*)\n( *)\^/.exec(raw);
  if (!m || m[1] !== '1' || m[2]!.startsWith('...')) return undefined;
  const p = m[3]!.length - `LINE ${m[1]}: `.length + offset;
  return p >= 0 && (sqlLength === undefined || p <= sqlLength) ? p : undefined;
}

export function queryErrorFrom(info: QueryErrorInfo & { hint?: string }): LakehouseError {
  return new QueryFailedError(info.message, info.position, info.hint, info.code);
}
