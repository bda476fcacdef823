import { copyFile, mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { safeRelativePath, UnsafeCatalogPathError } from './catalogFiles';
import type { CatalogFormat } from './catalogFormat';

/** What the last pull fetched: the remote catalog's version and where its data lives. */
export interface PullState {
  location: string;
  catalogPath: string;
  /** The remote folder (inside the item) that the catalog's data_path points at, e.g. `Tables/`. */
  dataPrefix: string;
  etag: string;
  /** Base64 MD5 of the pulled catalog bytes. */
  md5: string;
  format: CatalogFormat;
  pulledAt: string;
}

/**
 * A lakehouse's local working area, `.lakehouse/<name>/` in the workspace
 * (git-ignored): the working catalog, the catalog as pulled (the base a
 * publish diffs against), and a mirror of the data files with the same
 * relative layout as the catalog's data_path. Data files are immutable in
 * DuckLake, so the mirror is a cache.
 */
export class LocalMirror {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  static forLakehouse(workspaceDir: string, name: string): LocalMirror {
    return new LocalMirror(join(workspaceDir, '.lakehouse', safeRelativePath(name)));
  }

  /** Keeps the working area out of git: `.lakehouse/.gitignore` with `*`, written once. */
  async ensureIgnored(): Promise<void> {
    const parent = dirname(this.root);
    if (basename(parent) !== '.lakehouse') return;
    const ignore = join(parent, '.gitignore');
    await mkdir(parent, { recursive: true });
    try {
      await writeFile(ignore, '# Lakehouse Dev working area: catalogs and data mirrors\n*\n', { flag: 'wx' });
    } catch {
      // already there
    }
  }

  get catalogFile(): string {
    return join(this.root, 'catalog', 'metadata.db');
  }

  get baseFile(): string {
    return join(this.root, 'catalog', 'base.db');
  }

  /** With a trailing separator: DuckLake's DATA_PATH wants one. */
  get dataRoot(): string {
    return join(this.root, 'data') + sep;
  }

  get stateFile(): string {
    return join(this.root, 'pull.json');
  }

  get journalFile(): string {
    return join(this.root, 'publish-journal.json');
  }

  /** The local file for a catalog-relative path; never outside the mirror. */
  dataFile(relativePath: string): string {
    const safe = safeRelativePath(relativePath);
    const full = resolve(this.dataRoot, ...safe.split('/'));
    if (!full.startsWith(this.dataRoot))
      throw new UnsafeCatalogPathError(relativePath, 'resolves outside the local mirror');
    return full;
  }

  async readState(): Promise<PullState | undefined> {
    try {
      return JSON.parse(await readFile(this.stateFile, 'utf8')) as PullState;
    } catch {
      return undefined;
    }
  }

  async writeState(state: PullState): Promise<void> {
    await writeAtomically(this.stateFile, JSON.stringify(state, null, 2));
  }
}

/**
 * Write to a unique temp name, fsync, and rename (write-file-atomic), so neither
 * a crash nor a power cut leaves a half-written journal or state file under the real name.
 */
export async function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const { default: writeFileAtomic } = await import('write-file-atomic');
  await writeFileAtomic(path, typeof data === 'string' ? data : Buffer.from(data), { fsync: true });
}

/**
 * Copies a file (a catalog) atomically: copy to a temp name, fsync it, rename over the target.
 * SQLite side files of the replaced catalog (a hot `-journal` left by a killed run) are removed
 * first: SQLite would otherwise "roll back" the new file with the old file's pages.
 */
export async function copyAtomically(source: string, target: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  for (const side of ['-journal', '-wal', '-shm']) await rm(`${target}${side}`, { force: true });
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  await copyFile(source, tmp);
  const handle = await open(tmp, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, target);
}
