import { randomBytes } from 'node:crypto';
import { readFileSync, type Stats } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';

/** What the readiness check needs from one Parquet file's footer. */
export interface FileFooter {
  rowGroups: number;
  rows: number;
  /** Largest uncompressed column chunk (bytes) per top-level column path. */
  maxChunkBytes: Record<string, number>;
}

interface Entry extends FileFooter {
  /** The file this summary was read from: size, modification time (ms) and inode. */
  size: number;
  mtimeMs: number;
  ino: number;
}

const VERSION = 1;

/**
 * Footer summaries of a mirror's Parquet files, kept beside the mirror so a readiness check reads only the
 * footers of files it has not seen. DuckLake never rewrites a data file in place; a file replaced anyway
 * (another size, modification time or inode) is read again, never served from here. The file is a cache:
 * missing, unreadable or damaged means empty, and it holds only the files the last check looked at.
 */
export class FooterCache {
  private readonly seen = new Map<string, Entry>();
  private changed = false;

  private constructor(
    private readonly file: string,
    private readonly known: Map<string, Entry>,
  ) {}

  static load(file: string): FooterCache {
    return new FooterCache(file, readEntries(file));
  }

  /** The summary of `path` if it was read from the very file `stats` describes. */
  get(path: string, stats: Stats): FileFooter | undefined {
    const entry = this.known.get(path);
    if (!entry || entry.size !== stats.size || entry.mtimeMs !== stats.mtimeMs || entry.ino !== stats.ino) {
      return undefined;
    }
    this.seen.set(path, entry);
    return entry;
  }

  set(path: string, stats: Stats, footer: FileFooter): void {
    this.seen.set(path, { ...footer, size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino });
    this.changed = true;
  }

  /** Writes what this check looked at (temp file and rename: a reader never sees half of it). Best effort. */
  async save(): Promise<void> {
    if (!this.changed && this.seen.size === this.known.size) return;
    const temp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temp, JSON.stringify({ version: VERSION, files: Object.fromEntries(this.seen) }));
      await rename(temp, this.file);
    } catch {
      await rm(temp, { force: true }).catch(() => undefined);
    }
  }
}

function readEntries(file: string): Map<string, Entry> {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown; files?: unknown };
    if (parsed.version !== VERSION || typeof parsed.files !== 'object' || parsed.files === null) return new Map();
    return new Map(
      Object.entries(parsed.files as Record<string, unknown>).filter((e): e is [string, Entry] => isEntry(e[1])),
    );
  } catch {
    return new Map();
  }
}

function isEntry(value: unknown): value is Entry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const counts = ['rowGroups', 'rows', 'size', 'mtimeMs', 'ino'].every(
    (k) => typeof v[k] === 'number' && Number.isFinite(v[k]) && (v[k] as number) >= 0,
  );
  const chunks = v.maxChunkBytes;
  return (
    counts &&
    typeof chunks === 'object' &&
    chunks !== null &&
    Object.values(chunks).every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)
  );
}
