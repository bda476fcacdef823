import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { sameText, type ArtifactPaths } from '../artifacts';
import type { TableRead } from './sql-reads';

/** What the last successful run of one node saw and left, on this catalog. */
export interface NodeMemo {
  /** Hash of the compiled SQL, config, relation, macros and runner build. */
  key: string;
  /** State of each table the SQL read, before the node ran (name → state). */
  inputs: Record<string, string>;
  /** Its own relation's state before and right after it ran (undefined: absent or not a lake table; a data test has none). */
  ownBefore?: string;
  ownAfter?: string;
  /** A data test's failure count when it last ran (a test is skipped only if it passed then). */
  failures?: number;
  /** Each input's full name as the session resolved it (catalog, schema, table): looked up again without DuckDB. */
  resolved?: Record<string, TableRead>;
  /** The functions its SQL calls (DuckDB's parse): with the same key, checked against the session's own macros instead of parsing again. */
  functions?: string[];
  /** The run that wrote it, for "unchanged since run X". */
  invocationId: string;
  completedAt: string;
}

interface MemoFile {
  format: number;
  nodes: Record<string, NodeMemo>;
}

// 2: table states carry their snapshot time in epoch ms, and inputs their resolved names; 3: the functions called.
const FORMAT = 3;

/** target/lakehouse/skip-memo.json: one file per project, entries per node. */
export function memoPath(paths: ArtifactPaths): string {
  return join(paths.projectRoot, paths.targetPath, 'lakehouse', 'skip-memo.json');
}

export function loadMemo(paths: ArtifactPaths): Map<string, NodeMemo> {
  try {
    const file = JSON.parse(readFileSync(memoPath(paths), 'utf8')) as MemoFile;
    if (file.format !== FORMAT || typeof file.nodes !== 'object') return new Map();
    return new Map(Object.entries(file.nodes));
  } catch {
    // No memo yet, or unreadable: nothing is skipped.
    return new Map();
  }
}

/** Written whole to a temporary file and renamed, so a crash never leaves half a memo. */
export function saveMemo(paths: ArtifactPaths, nodes: Map<string, NodeMemo>): void {
  const file = memoPath(paths);
  mkdirSync(dirname(file), { recursive: true });
  const document: MemoFile = { format: FORMAT, nodes: Object.fromEntries(nodes) };
  const text = JSON.stringify(document);
  // A no-op run leaves the memo as it found it: no write.
  if (sameText(file, text)) return;
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

let build: string | undefined;

/**
 * The runner's own build: the running bundle's (or module's) size and mtime, so
 * a new runner — new materialization SQL — never trusts an old memo. Read once:
 * the code running is the code loaded (it was a stat per node key).
 */
export function runnerBuild(): string {
  if (build === undefined) {
    try {
      const s = statSync(__filename);
      build = `${s.size}:${s.mtimeMs}`;
    } catch {
      build = 'unknown';
    }
  }
  return build;
}

export function hashOf(parts: unknown[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? p : (JSON.stringify(p) ?? 'undefined')).update('\0');
  return h.digest('hex');
}

let engine: string | undefined;

/**
 * DuckDB's version without opening DuckDB: the pinned `@duckdb/node-api` package's (its native
 * binding is the same release). A new DuckDB — new SQL semantics — never trusts an old memo.
 */
export function engineVersion(): string {
  if (engine === undefined) {
    try {
      const require = createRequire(__filename);
      engine = String((require('@duckdb/node-api/package.json') as { version?: string }).version ?? 'unknown');
    } catch {
      engine = 'unknown';
    }
  }
  return engine;
}
