import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { type DuckDBSource } from './lazySession';
import { dirname } from 'node:path';
import type { LakehouseEntry } from '../config/lakehouseConfig';
import { catalogFileName } from '../config/lakehouseConfig';
import { redactSecrets } from '../config/credentials';
import { LakehouseError } from '../errors';
import type { LakehouseStore } from '../storage/blobStore';
import { md5OfFile } from '../storage/contentHash';
import { downloadBlobToFile } from '../storage/retryingRead';
import { containerMissingError, isStorageCode, storageError, storageFailure } from '../storage/storageErrors';
import { forEachLimit } from '../util/pool';
import { silentProgress, throwIfCancelled, type Progress } from '../util/progress';
import { listLiveFiles } from './catalogFiles';
import { CatalogReader } from '../ducklake/catalogReader';
import { CatalogFormatError } from './catalogFormat';
import { remoteDataPrefix } from './dataPrefix';
import { copyAtomically, type LocalMirror, type PullState } from './localMirror';
import { withMirrorLock } from './mirrorLock';

export interface PullOptions {
  entry: LakehouseEntry;
  store: LakehouseStore;
  mirror: LocalMirror;
  session: DuckDBSource;
  /** Only these tables' files (those the selected models read); all when omitted. */
  tables?: ReadonlyArray<{ schema: string; table: string }>;
  /** Discard unpublished local changes (Reset local catalog to remote). */
  discardLocalChanges?: boolean;
  concurrency?: number;
  signal?: AbortSignal;
  progress?: Progress;
  /** The caller (a run) already holds the mirror's lock. */
  mirrorLocked?: boolean;
}

export interface PullResult {
  catalog: 'downloaded' | 'unchanged' | 'kept-local-changes';
  state: PullState;
  files: { downloaded: number; downloadedBytes: number; cached: number };
}

/** The remote catalog moved on while this copy has changes nobody published: publishing would lose one side. */
export class LocalChangesConflictError extends LakehouseError {
  constructor(name: string) {
    super(
      'local-changes-conflict',
      `The remote ${name} changed since your last pull, and your local catalog has changes that were never published.`,
      "Run 'Reset Local Catalog to Remote' (lakehouse pull --discard-local) to take the remote one; your local changes are then lost.",
    );
  }
}

/**
 * Brings the remote catalog and the data files a run needs into the local
 * mirror. A second pull with no remote change costs one conditional GET and
 * downloads no data files.
 */
export async function pull(options: PullOptions): Promise<PullResult> {
  return withMirrorLock(options.mirror, options.discardLocalChanges ? 'reset' : 'pull', options.mirrorLocked, () =>
    pullLocked(options),
  );
}

async function pullLocked(options: PullOptions): Promise<PullResult> {
  const { entry, store, mirror, session, signal } = options;
  const progress = options.progress ?? silentProgress;
  const name = catalogFileName(entry);
  await mirror.ensureIgnored();
  const previous = await mirror.readState();
  const dirty = !options.discardLocalChanges && (await hasLocalChanges(mirror));

  progress.report({ message: `Fetching ${name}…` });
  const download = await downloadCatalogIfChanged(store, entry, mirror, previous, signal);
  let catalog: PullResult['catalog'] = 'unchanged';
  let state: PullState;
  if (download) {
    const { format, dataPath } = await readDownloadedCatalog(session, download.file, entry.catalogPath);
    state = {
      location: redactSecrets(entry.location.uri),
      catalogPath: entry.catalogPath,
      dataPrefix: remoteDataPrefix(dataPath, entry.location),
      etag: download.etag,
      md5: download.md5,
      format,
      pulledAt: new Date().toISOString(),
    };
    if (dirty && previous && previous.md5 !== download.md5) {
      await rm(download.file, { force: true });
      throw new LocalChangesConflictError(name);
    }
    await mkdir(dirname(mirror.baseFile), { recursive: true });
    await rename(download.file, mirror.baseFile);
    if (dirty) {
      catalog = 'kept-local-changes';
    } else {
      await copyAtomically(mirror.baseFile, mirror.catalogFile);
      catalog = 'downloaded';
    }
  } else {
    state = previous!;
    if (options.discardLocalChanges) await copyAtomically(mirror.baseFile, mirror.catalogFile);
    else if (dirty) catalog = 'kept-local-changes';
  }

  throwIfCancelled(signal, 'Pull');
  const files = await mirrorDataFiles(options, state, progress);
  await mirror.writeState(state);
  return { catalog, state, files };
}

/**
 * Reads a just-downloaded catalog; when it is refused, the message names the remote catalog
 * (not the temp file) and the temp file is removed, so nothing half-checked stays behind.
 */
async function readDownloadedCatalog(session: DuckDBSource, file: string, remotePath: string) {
  try {
    const reader = await CatalogReader.open(session, file);
    try {
      const { version, dataPath } = await reader.metadata();
      // Paths are checked before the copy replaces the mirror's: a refused catalog never becomes the local one.
      await listLiveFiles(reader);
      return { format: reader.fileFormat(), version, dataPath };
    } finally {
      await reader.close();
    }
  } catch (error) {
    await rm(file, { force: true });
    if (error instanceof CatalogFormatError)
      throw new CatalogFormatError(error.message.split(file).join(`The remote ${remotePath}`), error.hint);
    throw error;
  }
}

/** True when the working catalog differs from the one pulled (a run wrote to it and it was not published). */
export async function hasLocalChanges(mirror: LocalMirror): Promise<boolean> {
  try {
    const [work, base] = await Promise.all([md5OfFile(mirror.catalogFile), md5OfFile(mirror.baseFile)]);
    return work !== base;
  } catch {
    return false;
  }
}

async function downloadCatalogIfChanged(
  store: LakehouseStore,
  entry: LakehouseEntry,
  mirror: LocalMirror,
  previous: PullState | undefined,
  signal: AbortSignal | undefined,
): Promise<{ file: string; etag: string; md5: string } | undefined> {
  const blob = store.blob(entry.catalogPath);
  const notFound = (error: unknown) =>
    isStorageCode(error, 'ContainerNotFound')
      ? containerMissingError(blob.containerName, error)
      : new LakehouseError(
          'catalog-missing',
          `${entry.catalogPath} does not exist in ${entry.location.container}/${entry.location.item}.`,
          'Run once with the lease (lakehouse lease acquire) to create an empty catalog, or check the catalog path.',
          { cause: error },
        );
  if (previous && (await exists(mirror.baseFile))) {
    // One HEAD: a lease stamp moves the ETag but not the content (Content-MD5), so both are checked.
    try {
      const props = await blob.getProperties({ abortSignal: signal });
      const md5 = props.contentMD5 ? Buffer.from(props.contentMD5).toString('base64') : undefined;
      if (props.etag === previous.etag || (md5 !== undefined && md5 === previous.md5)) {
        previous.etag = props.etag ?? previous.etag;
        return undefined;
      }
    } catch (error) {
      if (storageError(error).status === 404) throw notFound(error);
      throw storageFailure(`read ${entry.catalogPath}`, error);
    }
  }
  const file = `${mirror.baseFile}.download`;
  await mkdir(dirname(file), { recursive: true });
  try {
    // A body cut off mid-way is downloaded again; a short file is never taken for the catalog.
    const response = await downloadBlobToFile(blob, file, signal);
    const md5 = await md5OfFile(file);
    if (response.md5 !== undefined && response.md5 !== md5) {
      await rm(file, { force: true });
      throw new LakehouseError(
        'catalog-download-corrupt',
        `The downloaded ${entry.catalogPath} does not match its Content-MD5; it was not used.`,
        'Pull again. If this repeats, the network or a proxy is changing the download.',
      );
    }
    return { file, etag: response.etag, md5 };
  } catch (error) {
    if (error instanceof LakehouseError) throw error;
    if (storageError(error).status === 404) throw notFound(error);
    throw storageFailure(`download ${entry.catalogPath}`, error);
  }
}

/**
 * Downloads the live data files (of some tables, or all) the working catalog names that the mirror lacks
 * (a run pulls only the tables it reads; DuckLake's maintenance at publish
 * rewrites files of any table and cannot open a file that is not there).
 */
export async function fetchMissingDataFiles(
  options: Pick<PullOptions, 'store' | 'mirror' | 'session' | 'signal' | 'concurrency' | 'tables'>,
  state: PullState,
  progress: Progress,
): Promise<PullResult['files']> {
  return mirrorDataFiles(options, state, progress);
}

async function mirrorDataFiles(
  options: Pick<PullOptions, 'store' | 'mirror' | 'session' | 'signal' | 'concurrency' | 'tables'>,
  state: PullState,
  progress: Progress,
): Promise<PullResult['files']> {
  const { store, mirror, session, signal } = options;
  const tables = await CatalogReader.open(session, mirror.catalogFile);
  let files;
  try {
    files = await listLiveFiles(tables, options.tables);
  } finally {
    await tables.close();
  }
  const missing: typeof files = [];
  let cached = 0;
  for (const file of files) {
    const size = await fileSize(mirror.dataFile(file.path));
    if (size === file.sizeBytes) cached++;
    else missing.push(file);
  }
  const totalBytes = missing.reduce((sum, f) => sum + f.sizeBytes, 0);
  let done = 0;
  let bytes = 0;
  await forEachLimit(
    missing,
    options.concurrency ?? 8,
    async (file) => {
      const target = mirror.dataFile(file.path);
      const tmp = `${target}.download`;
      try {
        await downloadBlobToFile(store.blob(`${state.dataPrefix}${file.path}`), tmp, signal);
        await rename(tmp, target);
      } catch (error) {
        if (signal?.aborted) throw error;
        throw storageFailure(`download ${state.dataPrefix}${file.path}`, error);
      }
      done++;
      bytes += file.sizeBytes;
      progress.report({
        message: `Data files ${done}/${missing.length} (${formatBytes(bytes)} of ${formatBytes(totalBytes)})`,
        increment: totalBytes > 0 ? (file.sizeBytes / totalBytes) * 100 : undefined,
      });
    },
    signal,
  );
  return { downloaded: missing.length, downloadedBytes: totalBytes, cached };
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return (await fileSize(path)) !== undefined;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
