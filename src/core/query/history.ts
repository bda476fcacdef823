import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomically } from '../lake/localMirror';
import type { QueryHistoryEntry, QueryTarget } from './types';

/** Queries kept per workspace; the oldest fall off. */
export const HISTORY_LIMIT = 100;

/**
 * The query history of one workspace, a JSON file written atomically (temp
 * file + rename), newest first. The CLI and the extension share it, so
 * `lakehouse query` shows up in the editor's history and back.
 */
export class QueryHistoryStore {
  /** Writes from one process go one at a time (the temp file name is per process). */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly limit = HISTORY_LIMIT,
  ) {}

  /** Newest first; [] when the file is missing or unreadable (a history is never worth failing a query for). */
  async list(): Promise<QueryHistoryEntry[]> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as { entries?: unknown };
      return Array.isArray(parsed.entries) ? parsed.entries.filter(isEntry).slice(0, this.limit) : [];
    } catch {
      return [];
    }
  }

  add(entry: QueryHistoryEntry): Promise<QueryHistoryEntry[]> {
    return this.serial(async () => {
      const entries = [entry, ...(await this.list())].slice(0, this.limit);
      await writeAtomically(this.file, JSON.stringify({ version: 1, entries }, null, 1));
      return entries;
    });
  }

  clear(): Promise<void> {
    return this.serial(() => writeAtomically(this.file, JSON.stringify({ version: 1, entries: [] })));
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writes.then(work);
    this.writes = next.catch(() => undefined);
    return next;
  }
}

function isTarget(value: unknown): value is QueryTarget {
  const t = value as QueryTarget;
  return (t?.kind === 'local' || t?.kind === 'published') && typeof t.lakehouse === 'string';
}

function isEntry(value: unknown): value is QueryHistoryEntry {
  const e = value as QueryHistoryEntry;
  return (
    typeof e?.sql === 'string' &&
    isTarget(e.target) &&
    typeof e.at === 'string' &&
    (e.rowCount === null || typeof e.rowCount === 'number') &&
    typeof e.elapsedMs === 'number'
  );
}

/** Where a workspace keeps its query history (inside the git-ignored working area). */
export function queryHistoryFile(workspaceDir: string): string {
  return join(workspaceDir, '.lakehouse', 'query-history.json');
}
