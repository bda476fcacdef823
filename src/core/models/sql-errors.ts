import { DBT_RUNNER_HINT, ModelRuntimeError, type SourceLocation } from './errors';

export interface FailedStatement {
  /** The statement DuckDB ran (the compiled SQL wrapped in DDL). */
  statement: string;
  /** The compiled SQL inside it. */
  compiledSql: string;
  /** The model file (absolute path) and its raw text, to map lines back to. */
  file?: { path: string; raw: string };
  /** What was being done, for the message: "model stg_orders". */
  what: string;
}

/**
 * Turns a DuckDB error into a ModelRuntimeError pointing at the model file.
 * DuckDB reports `LINE n:` for parser, binder and catalog errors; the line of
 * the executed statement is located in the compiled SQL and then in the source
 * file by its text (Jinja moves lines around, literal SQL keeps its text).
 * Without a position the error points at line 1.
 */
export function toRuntimeError(error: unknown, failed: FailedStatement): ModelRuntimeError {
  const message = error instanceof Error ? error.message : String(error);
  const { summary, line } = splitDuckDBMessage(message);
  let location: SourceLocation | undefined;
  if (failed.file) {
    const sourceLine = line === undefined ? undefined : mapToSource(failed, line);
    location = { file: failed.file.path, line: sourceLine ?? 1 };
  }
  return new ModelRuntimeError(`${failed.what} failed: ${summary}`, location, hintFor(summary), { cause: error });
}

export function splitDuckDBMessage(message: string): { summary: string; line?: number } {
  const match = /\n?\s*LINE (\d+):/.exec(message);
  if (!match) return { summary: message.trim() };
  return { summary: message.slice(0, match.index).trim(), line: Number(match[1]) };
}

function mapToSource(failed: FailedStatement, statementLine: number): number | undefined {
  const statementLines = failed.statement.split('\n');
  const text = statementLines[statementLine - 1]?.trim();
  if (!text || !failed.file) return undefined;
  const sourceLines = failed.file.raw.split('\n');
  const compiledStart = failed.statement.indexOf(failed.compiledSql);
  const offset = compiledStart < 0 ? 0 : failed.statement.slice(0, compiledStart).split('\n').length - 1;
  const compiledLine = statementLine - offset;
  const candidates: number[] = [];
  sourceLines.forEach((source, i) => {
    if (source.trim() === text) candidates.push(i + 1);
  });
  if (candidates.length === 0) {
    sourceLines.forEach((source, i) => {
      const trimmed = source.trim();
      if (trimmed.length >= 6 && !trimmed.includes('{') && text.includes(trimmed)) candidates.push(i + 1);
    });
  }
  if (candidates.length === 0) return undefined;
  // Several lines with the same text: the one nearest the compiled position.
  return candidates.reduce((best, c) => (Math.abs(c - compiledLine) < Math.abs(best - compiledLine) ? c : best));
}

function hintFor(summary: string): string | undefined {
  if (/DuckLake does not support|Not implemented/i.test(summary)) {
    return `DuckLake catalogs do not support this statement (no indexes, constraints or some ALTERs). ${DBT_RUNNER_HINT}`;
  }
  if (/Catalog Error: Table with name/i.test(summary)) {
    return 'Check the ref()/source() names; a model that reads another must ref() it so it runs first.';
  }
  if (/read_csv needs at least one file|No files found/i.test(summary)) {
    return 'The file list is empty; check the landing folder and the variable the pre-hook sets.';
  }
  return undefined;
}
