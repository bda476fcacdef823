import type { ProjectInvocation } from './runLocal';
import { catalogFileName, type LakehouseEntry } from '../config/lakehouseConfig';
import { LakehouseError } from '../errors';
import { LazyDuckDBSession } from '../lake/lazySession';
import { DEFAULT_LAKE_LAYOUT } from '../lake/layout';
import type { LocalMirror } from '../lake/localMirror';
import { withMirrorLock } from '../lake/mirrorLock';
import { hasLocalChanges, pull, type PullResult } from '../lake/pull';
import type { HeldLease, LeaseGuard } from '../lease/leaseGuard';
import { randomUUID } from 'node:crypto';
import { parseRun, type ParsedRun } from '../models/parse-run';
import { tablesRead, type TableName, type TablesRead } from '../models/tables-read';
import { executeProject, runWithDbtCli, type RunEvent, type RunSummary } from '../models';
import { CatalogDeletedError } from '../publish/commitEvidence';
import { readJournal } from '../publish/journal';
import { publish, type PublishSummary } from '../publish/publish';
import { ensureCatalogOnFirstUse } from './firstUse';
import { checkProfileBuildsIntoCatalog } from '../models/catalogCheck';
import type { LakehouseStore } from '../storage/blobStore';
import { silentProgress, throwIfCancelled, type Progress } from '../util/progress';
import { clearRunLease, prepareRunLease } from './runLease';

export type RunnerKind = 'builtin' | 'dbt';

export interface RunOnLakehouseOptions extends ProjectInvocation {
  entry: LakehouseEntry;
  store: LakehouseStore;
  guard: LeaseGuard;
  mirror: LocalMirror;
  runner?: RunnerKind;
  dbtExecutable?: string;
  /**
   * One-shot mode (scheduled pipelines): hold the lease from pull to upload,
   * so nobody can publish in between; publish only if every node succeeded.
   */
  publish?: boolean;
  /**
   * Start from the local catalog's unpublished changes instead of the remote
   * catalog. Off by default for a one-shot run (`publish`): a failed or killed
   * run's partial work is never published by a later run without the user's word.
   */
  keepLocalChanges?: boolean;
  progress?: Progress;
  onLease?: (held: HeldLease | undefined) => void;
}

export interface RunOnLakehouseResult {
  pull: PullResult;
  run: RunSummary;
  publish?: PublishSummary;
  /** Why a requested publish did not happen. */
  publishSkipped?: string;
  /**
   * Where the run started: the remote catalog (`remote`), the remote after
   * discarding unpublished local changes (`remote-discarded-local`), or the
   * local changes (`local-changes`).
   */
  start: 'remote' | 'remote-discarded-local' | 'local-changes';
  /** A publish an earlier, interrupted run left half done, finished before this run. */
  finishedEarlierPublish?: PublishSummary;
}

/** Pull the catalog and data into the mirror, run the project against them, and (one-shot) publish. */
export async function runOnLakehouse(options: RunOnLakehouseOptions): Promise<RunOnLakehouseResult> {
  // One lock for the whole run: pull, the models writing the working catalog, and publish.
  return withMirrorLock(
    options.mirror,
    options.publish ? `${options.command ?? 'run'} --publish` : (options.command ?? 'run'),
    false,
    () => runLocked(options),
  );
}

async function runLocked(options: RunOnLakehouseOptions): Promise<RunOnLakehouseResult> {
  const { entry, store, guard, mirror, signal } = options;
  const progress = options.progress ?? silentProgress;
  // A profile that would build outside the lakehouse is refused before anything is created or pulled.
  const checkProfile = () =>
    checkProfileBuildsIntoCatalog({
      runner: options.runner ?? 'builtin',
      projectDir: options.projectDir,
      target: options.target,
      vars: options.vars,
      env: process.env,
      override: { catalogPath: mirror.catalogFile, dataPath: mirror.dataRoot },
    });
  let held: HeldLease | undefined;
  // Only a first run (nothing pulled here yet) may create the catalog; one deleted after a pull stays deleted.
  const pulledBefore = Boolean(await mirror.readState());
  if (!pulledBefore) {
    checkProfile();
    const created = await ensureCatalogOnFirstUse({ entry, store, guard, leaseFollows: Boolean(options.publish) });
    for (const message of created) {
      progress.report({ message });
      options.onEvent?.({ kind: 'log', message });
    }
  }
  let finishedEarlierPublish: PublishSummary | undefined;
  let stopHeartbeat: (() => Promise<void>) | undefined;
  // Pull, publish and a catalog read in WASM open DuckDB only when they need it.
  const session = LazyDuckDBSession.of(options.duckdb);
  try {
    if (options.publish) {
      // An interrupted run that got as far as publishing: its models had all succeeded, so
      // finish that publish (it re-takes its own lease from the journal) before starting over.
      if (await readJournal(mirror)) {
        progress.report({ message: 'Finishing the publish an interrupted run left…' });
        finishedEarlierPublish = await publish({
          entry,
          store,
          guard,
          mirror,
          session,
          signal,
          progress,
          mirrorLocked: true,
        });
      }
      progress.report({ message: 'Taking the lease for the whole run…' });
      held = await acquireRunLease(options);
      options.onLease?.(held);
    }
    // A long run keeps its lease fresh on the service's clock, so nobody can break it as stale.
    stopHeartbeat = held ? guard.startHeartbeat(held) : undefined;
    // After the lease on later runs: a catalog deleted since the pull is said first (exit 11).
    if (pulledBefore) checkProfile();
    const keep = options.keepLocalChanges ?? !options.publish;
    const hadLocalChanges = await hasLocalChanges(mirror);
    const tables = await tablesToPull(options);
    options.onEvent?.({ kind: 'log', message: tables.message });
    const pulled = await pull({
      entry,
      store,
      mirror,
      session,
      signal,
      progress,
      mirrorLocked: true,
      discardLocalChanges: !keep,
      ...(tables.tables ? { tables: tables.tables } : {}),
    });
    const start = keep && hadLocalChanges ? 'local-changes' : hadLocalChanges ? 'remote-discarded-local' : 'remote';
    throwIfCancelled(signal, 'Run');
    const run = await runProject(options, progress, tables.parsed);
    // Publish writes under the lease next: no heartbeat may move the ETag under it.
    await stopHeartbeat?.();
    stopHeartbeat = undefined;
    if (!options.publish || !held) return { pull: pulled, run, start };
    if (!run.success) {
      await releaseRunLease(options, held);
      held = undefined;
      return {
        pull: pulled,
        run,
        start,
        finishedEarlierPublish,
        publishSkipped: 'some models or tests failed; nothing was published and the lease was released',
      };
    }
    const published = await publish({
      entry,
      store,
      guard,
      mirror,
      session,
      held,
      signal,
      progress,
      onLease: options.onLease,
      mirrorLocked: true,
    });
    held = undefined;
    await clearRunLease(mirror);
    return { pull: pulled, run, start, finishedEarlierPublish, publish: published };
  } finally {
    await stopHeartbeat?.();
    await session.close();
    if (held) await releaseRunLease(options, held).catch(() => undefined);
  }
}

/**
 * Takes the lease with the id kept in the mirror: a run of this holder killed
 * here re-takes its own lease. The record is written before the acquire, so a
 * kill at any point leaves the id behind.
 */
async function acquireRunLease(options: RunOnLakehouseOptions): Promise<HeldLease> {
  const { entry, guard, mirror } = options;
  const record = await prepareRunLease(mirror, guard.holder);
  // Only a first run (nothing pulled here yet) may create the catalog; one deleted after a pull stays deleted.
  const pulledBefore = Boolean(await mirror.readState());
  try {
    return await guard.acquire({
      operation: 'run',
      createIfMissing: !pulledBefore,
      leaseId: record.leaseId,
      runId: record.runId,
    });
  } catch (error) {
    // Busy (someone else holds it) or no catalog: this id holds nothing. A network failure
    // keeps the record: the acquire may have landed.
    if (error instanceof LakehouseError && error.code !== 'storage') await clearRunLease(mirror);
    if (pulledBefore && error instanceof LakehouseError && error.code === 'catalog-missing')
      throw new CatalogDeletedError(catalogFileName(entry));
    throw error;
  }
}

async function releaseRunLease(options: RunOnLakehouseOptions, held: HeldLease): Promise<void> {
  await options.guard.release(held);
  await clearRunLease(options.mirror);
  options.onLease?.(undefined);
}

/** What both runners and the pre-pull parse take: the project, the selection, the pulled catalog. */
function runInputs(options: RunOnLakehouseOptions) {
  const { mirror, entry } = options;
  return {
    projectDir: options.projectDir,
    target: options.target,
    select: options.select,
    exclude: options.exclude,
    fullRefresh: options.fullRefresh,
    skipUnchanged: options.skipUnchanged,
    vars: options.vars,
    catalogOverride: {
      catalogPath: mirror.catalogFile,
      dataPath: mirror.dataRoot,
      layout: entry.layout ?? DEFAULT_LAKE_LAYOUT,
    },
    signal: options.signal,
  };
}

/**
 * The tables whose data files the run needs: those the selected nodes read when
 * the project says so statically, else all (the message says which, and why).
 * A table left out stays in the catalog; its files are fetched by a later pull
 * that needs them (or by publish, before maintenance rewrites them). The parse
 * is kept for the run.
 */
async function tablesToPull(
  options: RunOnLakehouseOptions,
): Promise<{ tables?: TableName[]; message: string; parsed?: ParsedRun }> {
  if ((options.runner ?? 'builtin') === 'dbt')
    return { message: 'Pulling every table: the dbt runner reads what its own macros decide.' };
  let parsed: ParsedRun;
  let read: TablesRead;
  try {
    parsed = await parseRun(runInputs(options), randomUUID(), Date.now());
    read = tablesRead(options.command ?? 'run', parsed, options);
  } catch (error) {
    // The run parses again and reports the error in its usual place.
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { message: `Pulling every table: the project could not be parsed before the pull (${why}).` };
  }
  if ('everything' in read) return { message: `Pulling every table: ${read.everything}.`, parsed };
  const names = read.tables.map((t) => `${t.schema}.${t.table}`);
  return {
    tables: read.tables,
    parsed,
    message:
      names.length === 0
        ? 'Pulling no table data: the selected nodes read no relation of the lakehouse.'
        : `Pulling only the data the selected nodes read: ${names.join(', ')}.`,
  };
}

async function runProject(
  options: RunOnLakehouseOptions,
  progress: Progress,
  parsed: ParsedRun | undefined,
): Promise<RunSummary> {
  const common = {
    ...runInputs(options),
    onEvent: (event: RunEvent) => {
      if (event.kind === 'started')
        progress.report({ message: `${event.node.name} (${event.index + 1}/${event.total})` });
      options.onEvent?.(event);
    },
  };
  if ((options.runner ?? 'builtin') === 'dbt') {
    return runWithDbtCli({
      ...common,
      command: options.command ?? 'run',
      dbtExecutable: options.dbtExecutable,
      extensionDirectory: options.duckdb.extensionDirectory,
    });
  }
  // The runner gets its own DuckDB: it attaches the catalog itself, and publish must find it detached.
  // Opened on first use: a run whose every node is unchanged never loads DuckDB.
  const session = LazyDuckDBSession.of(options.duckdb);
  try {
    return await executeProject(options.command ?? 'run', { ...common, session, ...(parsed ? { parsed } : {}) });
  } finally {
    await session.close();
  }
}

export class RunFailedError extends LakehouseError {
  constructor(summary: RunSummary) {
    const failed = summary.results.filter((r) => r.status === 'error' || r.status === 'fail');
    super(
      'run-failed',
      `${failed.length} of ${summary.results.length} node(s) failed: ${failed.map((r) => r.name).join(', ')}.`,
      'See the messages above and target/run_results.json.',
    );
  }
}
