import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ArtifactPaths } from '../artifacts';

/** What the last successful run of one node saw and left, on this catalog. */
export interface NodeMemo {
  /** Hash of the compiled SQL, config, relation, macros and runner build. */
  key: string;
  /** State of each table the SQL read, before the node ran (name → state). */
  inputs: Record<string, string>;
  /** Its own relation's state before and right after it ran (undefined: absent or not a lake table). */
  ownBefore?: string;
  ownAfter: string;
  /** The run that wrote it, for "unchanged since run X". */
  invocationId: string;
  completedAt: string;
}

interface MemoFile {
  format: number;
  nodes: Record<string, NodeMemo>;
}

const FORMAT = 1;

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
  writeFileSync(`${file}.tmp`, JSON.stringify(document));
  renameSync(`${file}.tmp`, file);
}

/**
 * The runner's own build: the running bundle's (or module's) size and mtime, so
 * a new runner — new materialization SQL — never trusts an old memo.
 */
export function runnerBuild(): string {
  try {
    const s = statSync(__filename);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'unknown';
  }
}

export function hashOf(parts: unknown[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? p : (JSON.stringify(p) ?? 'undefined')).update('\0');
  return h.digest('hex');
}
