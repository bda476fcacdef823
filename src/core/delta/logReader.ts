import { randomBytes } from 'node:crypto';
import { sessionOf, type DuckDBSource } from '../lake/lazySession';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { quoteLiteral } from '../lake/duckdb';
import { parseCommit, type ExportMarker, type MetaDataAction, type ParsedCommit, type ProtocolAction } from './actions';
import { DeltaLogError } from './errors';
import type { DeltaLogStore } from './logStore';
import { commitFileName, DELTA_LOG_DIR, decodeDeltaPath, parseLogFileName } from './paths';

export interface LogListing {
  /** Highest version with a commit or a complete checkpoint; undefined for no log. */
  latest: number | undefined;
  commits: Set<number>;
  /** Complete checkpoints: version -> object names of all parts. */
  checkpoints: Map<number, string[]>;
}

/** One list request: every commit and checkpoint in `<folder>_delta_log/`. */
export async function listLog(store: DeltaLogStore, folder: string): Promise<LogListing> {
  const names = await store.list(folder + DELTA_LOG_DIR);
  const commits = new Set<number>();
  const parts = new Map<number, { expected: number; names: Map<number, string> }>();
  for (const name of names) {
    const file = parseLogFileName(name);
    if (file?.kind === 'commit') commits.add(file.version);
    if (file?.kind === 'checkpoint') {
      const entry = parts.get(file.version) ?? { expected: file.parts, names: new Map() };
      if (entry.expected === file.parts) entry.names.set(file.part, file.name);
      parts.set(file.version, entry);
    }
  }
  const checkpoints = new Map<number, string[]>();
  for (const [version, entry] of parts) {
    // A multi-part checkpoint counts only when every part is there.
    if (entry.names.size === entry.expected)
      checkpoints.set(
        version,
        [...entry.names.entries()].sort(([a], [b]) => a - b).map(([, n]) => n),
      );
  }
  const versions = [...commits, ...checkpoints.keys()];
  return { latest: versions.length ? Math.max(...versions) : undefined, commits, checkpoints };
}

/** Reads and parses one commit file; undefined when it does not exist. */
export async function readCommit(
  store: DeltaLogStore,
  folder: string,
  version: number,
): Promise<ParsedCommit | undefined> {
  const bytes = await store.read(folder + DELTA_LOG_DIR + commitFileName(version));
  if (!bytes) return undefined;
  try {
    return parseCommit(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new DeltaLogError(
      folder,
      `commit ${version} is not valid JSON lines (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

export interface LogState {
  version: number;
  protocol?: ProtocolAction;
  metaData?: MetaDataAction;
  /** Decoded path -> the path string exactly as the log has it (removes must repeat it). */
  files: Map<string, string>;
  /** The latest commit, when it exists as JSON. */
  latestCommit?: ParsedCommit;
}

export interface ReplayDeps {
  store: DeltaLogStore;
  session: DuckDBSource;
  tempDirectory: string;
}

/**
 * Reconstructs the table state at the latest version: the newest complete
 * checkpoint, then every commit after it. Used when the cheap path (the
 * export marker verified against the catalog) cannot vouch for the state.
 */
export async function replayLog(
  deps: ReplayDeps,
  folder: string,
  listing: LogListing,
  alreadyRead: ReadonlyMap<number, ParsedCommit> = new Map(),
): Promise<LogState> {
  const latest = listing.latest;
  if (latest === undefined) throw new DeltaLogError(folder, 'the log is empty');
  const checkpoint = Math.max(-1, ...[...listing.checkpoints.keys()].filter((v) => v <= latest));
  const state: LogState = { version: latest, files: new Map() };
  if (checkpoint >= 0) await loadCheckpoint(deps, folder, listing.checkpoints.get(checkpoint)!, state);

  for (let version = checkpoint + 1; version <= latest; version++) {
    const commit = alreadyRead.get(version) ?? (await readCommit(deps.store, folder, version));
    if (!commit) {
      throw new DeltaLogError(
        folder,
        `version ${version} is missing (the log has a gap before ${latest})`,
        'The log is damaged; move the _delta_log folder aside and export again to start a fresh Delta table.',
      );
    }
    if (commit.protocol) state.protocol = commit.protocol;
    if (commit.metaData) state.metaData = commit.metaData;
    for (const remove of commit.removes) state.files.delete(decode(folder, remove.path));
    for (const add of commit.adds) state.files.set(decode(folder, add.path), add.path);
    if (version === latest) state.latestCommit = commit;
  }
  return state;
}

async function loadCheckpoint(
  deps: ReplayDeps,
  folder: string,
  parts: readonly string[],
  state: LogState,
): Promise<void> {
  const locals: string[] = [];
  for (const [i, name] of parts.entries()) {
    const bytes = await deps.store.read(folder + DELTA_LOG_DIR + name);
    if (!bytes) throw new DeltaLogError(folder, `checkpoint part ${name} disappeared while reading it`);
    const local = join(deps.tempDirectory, `replay-${randomBytes(6).toString('hex')}-${i}.parquet`);
    await writeFile(local, bytes);
    locals.push(local);
  }
  const source = `read_parquet([${locals.map(quoteLiteral).join(', ')}])`;
  const session = await sessionOf(deps.session);
  const present = new Set(
    (await session.all<{ name: string }>(`SELECT column_name AS name FROM (DESCRIBE SELECT * FROM ${source})`)).map(
      (r) => r.name,
    ),
  );
  if (present.has('add')) {
    for (const row of await session.all<{ path: string }>(
      `SELECT add.path AS path FROM ${source} WHERE add.path IS NOT NULL`,
    )) {
      state.files.set(decode(folder, row.path), row.path);
    }
  }
  if (present.has('metaData')) {
    const [row] = await session.all<{ json: string }>(
      `SELECT to_json(metaData) AS json FROM ${source} WHERE metaData IS NOT NULL`,
    );
    if (row) state.metaData = JSON.parse(row.json) as MetaDataAction;
  }
  if (present.has('protocol')) {
    const [row] = await session.all<{ json: string }>(
      `SELECT to_json(protocol) AS json FROM ${source} WHERE protocol IS NOT NULL`,
    );
    if (row) state.protocol = JSON.parse(row.json) as ProtocolAction;
  }
}

function decode(folder: string, path: string): string {
  try {
    return decodeDeltaPath(path);
  } catch {
    throw new DeltaLogError(folder, `the log holds a path that is not a valid URI: ${path}`);
  }
}

/** More than any first line we write (commitInfo with the marker); a longer one is read whole. */
const MARKER_HEAD_BYTES = 64 * 1024;

/**
 * The export marker of one commit, parsed from its first line only (this exporter writes commitInfo
 * first, as serializeCommit orders it), so confirming a known version neither reads nor parses a
 * version 0 of 100k adds; undefined when the commit is missing or its first line carries no marker of ours.
 */
export async function readCommitMarker(
  store: DeltaLogStore,
  folder: string,
  version: number,
): Promise<ExportMarker | undefined> {
  const path = folder + DELTA_LOG_DIR + commitFileName(version);
  // The marker is on the first line: a commit of 10k adds is ~4.6 MB, its first line ~0.6 KB.
  let bytes = store.readHead ? await store.readHead(path, MARKER_HEAD_BYTES) : await store.read(path);
  if (!bytes) return undefined;
  if (bytes.indexOf(0x0a) < 0 && bytes.length >= MARKER_HEAD_BYTES) bytes = await store.read(path);
  if (!bytes) return undefined;
  const newline = bytes.indexOf(0x0a);
  try {
    return parseCommit(new TextDecoder().decode(newline < 0 ? bytes : bytes.subarray(0, newline))).marker;
  } catch {
    return undefined; // not ours, or damaged: the full path reads the log as it is
  }
}
