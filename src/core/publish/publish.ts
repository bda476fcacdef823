import { stat } from 'node:fs/promises';
import { sessionOf, type DuckDBSource } from '../lake/lazySession';

import { catalogFileName, type LakehouseEntry } from '../config/lakehouseConfig';
import { exportDeltaLake, knownStates, type DeltaExportReport, type ExportedTableState } from '../delta';
import { LakehouseError } from '../errors';
import { listLiveFiles, type CatalogFile } from '../lake/catalogFiles';
import { CatalogReader } from '../ducklake/catalogReader';
import { DEFAULT_LAKE_LAYOUT } from '../lake/layout';
import { copyAtomically, type LocalMirror, type PullState } from '../lake/localMirror';
import { withMirrorLock } from '../lake/mirrorLock';
import { fetchMissingDataFiles, hasLocalChanges } from '../lake/pull';
import { CatalogChangedError } from '../lease/leaseErrors';
import type { HeldLease, LeaseGuard } from '../lease/leaseGuard';
import type { LakehouseStore } from '../storage/blobStore';
import { md5OfFile } from '../storage/contentHash';
import { readBlobBytes } from '../storage/retryingRead';
import { storageError, storageFailure } from '../storage/storageErrors';
import { uploadIfAbsent } from '../storage/transfer';
import { forEachLimit } from '../util/pool';
import { silentProgress, throwIfCancelled, type Progress } from '../util/progress';
import { blobDeltaLogStore } from './blobDeltaLogStore';
import { writesAfter } from './gatedLogStore';
import {
  CatalogDeletedError,
  CommitOutcomeUnknownError,
  judgeCommit,
  PARENT_MD5_KEY,
  PublishIncompleteError,
  PublishSupersededError,
  readCatalogEvidence,
} from './commitEvidence';
import { clearRunLease, prepareRunLease } from '../run/runLease';
import { clearJournal, readJournal, writeJournal, type PublishJournal, type PublishStep } from './journal';
import { DEFAULT_MAINTENANCE, runMaintenance, type MaintenanceOptions } from './maintenance';
import { maintenanceWork } from './maintenanceWork';
import { tablesMaintenanceReads } from './maintenanceReads';

export interface PublishOptions {
  entry: LakehouseEntry;
  store: LakehouseStore;
  guard: LeaseGuard;
  mirror: LocalMirror;
  session: DuckDBSource;
  /** One-shot mode: the run took the lease before pulling and publishes under it. */
  held?: HeldLease;
  /**
   * A lease the caller already holds by id but not in this process (the editor window's lease,
   * kept across a reload): re-taken with the same id instead of failing busy against itself.
   */
  reuse?: { leaseId: string; runId: string };
  maintenance?: MaintenanceOptions | false;
  exportDelta?: boolean;
  concurrency?: number;
  signal?: AbortSignal;
  progress?: Progress;
  /** Called after each step is journaled (progress UI; fault injection in the crash tests). */
  onStep?: (step: PublishStep) => void | Promise<void>;
  /** Told when publish holds the lease and when it let go (the editor shows "held by you · publishing"). */
  onLease?: (held: HeldLease | undefined) => void;
  /** The caller (a run) already holds the mirror's lock. */
  mirrorLocked?: boolean;
  /**
   * A read-only look at the local copy started just before publish (the readiness check in `warn` mode): it
   * runs while the lease request is on the wire, and publish waits for it before it writes anything (journal,
   * maintenance, uploads), so it never reads a catalog that maintenance is rewriting. Its failure stops the
   * publish there, the lease let go.
   */
  alongside?: Promise<unknown>;
}

export interface PublishPlan {
  /** Files the local catalog references that the pulled one does not. */
  files: CatalogFile[];
  bytes: number;
  /** `schema.table` of every table with new files. */
  tables: string[];
  localChanges: boolean;
}

export interface PublishSummary {
  /** A publish overtaken by someone else's is not a status but an error (PublishSupersededError). */
  status: 'published' | 'nothing-to-publish' | 'finished-earlier-publish';
  tables: string[];
  files: number;
  bytes: number;
  /** Object-store requests this publish made (every HTTP attempt, retries included). */
  requests: number;
  seconds: number;
  etag?: string;
  delta?: DeltaExportReport;
}

export class NotPulledError extends LakehouseError {
  constructor(name: string) {
    super('not-pulled', `There is no local copy of ${name} to publish.`, 'Pull (or Run Models) first.');
  }
}

/** What a publish would upload, from the two catalogs (no storage listing). For the confirmation dialog. */
export async function planPublish(session: DuckDBSource, mirror: LocalMirror): Promise<PublishPlan> {
  const [files, localChanges] = await Promise.all([newFiles(session, mirror), hasLocalChanges(mirror)]);
  return { ...files, localChanges };
}

/** The data files the local catalog references that the pulled one does not (publish's own plan: it knew of changes). */
async function newFiles(session: DuckDBSource, mirror: LocalMirror): Promise<Omit<PublishPlan, 'localChanges'>> {
  const [local, pulled] = await Promise.all([filesOf(session, mirror.catalogFile), filesOf(session, mirror.baseFile)]);
  const base = new Set(pulled.map((f) => f.path));
  const files = dedupe(local.filter((f) => !base.has(f.path)));
  return {
    files,
    bytes: files.reduce((sum, f) => sum + f.sizeBytes, 0),
    tables: [...new Set(files.map((f) => `${f.schema}.${f.table}`))].sort(),
  };
}

/**
 * Lease, check nobody published since the pull, maintain, upload new data
 * files (never overwriting), commit the catalog atomically under the lease,
 * export Delta, release. Every step is journaled; rerunning after a crash at
 * any point finishes the job or reports that someone else published.
 */
export async function publish(options: PublishOptions): Promise<PublishSummary> {
  // Held from now on: the look may fail before publish waits for it (no unhandled rejection meanwhile).
  const alongside = options.alongside ? settled(options.alongside) : undefined;
  return withMirrorLock(options.mirror, 'publish', options.mirrorLocked, () => publishLocked(options, alongside));
}

async function publishLocked(options: PublishOptions, alongside?: Promise<Settled<unknown>>): Promise<PublishSummary> {
  const { entry, store, guard, mirror, session, signal } = options;
  const progress = options.progress ?? silentProgress;
  const name = catalogFileName(entry);
  const started = Date.now();
  const requestsAtStart = store.counter.total;
  const state = await mirror.readState();
  if (!state) throw new NotPulledError(name);
  let journal = await readJournal(mirror);
  const summary = (status: PublishSummary['status'], extra: Partial<PublishSummary> = {}): PublishSummary => ({
    status,
    tables: [],
    files: 0,
    bytes: 0,
    requests: store.counter.total - requestsAtStart,
    seconds: (Date.now() - started) / 1000,
    ...extra,
  });

  if (!journal && !(await hasLocalChanges(mirror))) {
    await alongside;
    if (options.held) await guard.release(options.held);
    // Nothing to upload is still no success if the catalog this copy came from is gone: the same
    // error as with changes (one HEAD; a run under its own lease has just seen the catalog).
    else if (!(await readCatalogEvidence(store.blob(entry.catalogPath), name)).exists)
      throw new CatalogDeletedError(name);
    return summary('nothing-to-publish');
  }

  // 1–2. The lease, and the check that nobody published since the pull.
  progress.report({ message: `Taking the lease on ${name}…` });
  const catalogBlob = store.blob(entry.catalogPath);
  let committed = journal?.steps.includes('committed') ?? false;
  if (journal && !committed && journal.steps.includes('committing') && journal.catalogMd5) {
    // An earlier attempt reached the commit point without learning whether it landed: settle it from
    // what the remote holds before anything else, never from a status code.
    const evidence = await readCatalogEvidence(catalogBlob, name);
    const outcome = judgeCommit(evidence, { md5: journal.catalogMd5, parentMd5: journal.pulled.md5 });
    if (outcome === 'ours') committed = true;
    else if (outcome === 'missing') throw new CatalogDeletedError(name);
    else if (outcome === 'other') {
      await clearJournal(mirror);
      throw new CatalogChangedError(name, evidence);
    }
  }
  if (committed && journal) {
    // Read before taking the lease: our own stamp would hide who published over us.
    const evidence = await readCatalogEvidence(catalogBlob, name);
    if (!evidence.exists) throw new CatalogDeletedError(name);
    if (evidence.md5 !== journal.catalogMd5) {
      if (options.held) await guard.release(options.held).catch(() => undefined);
      await clearJournal(mirror);
      throw new PublishSupersededError(name, evidence);
    }
  }
  let held = options.held;
  // A publish killed between taking the lease and journaling it must not leave the rerun busy
  // against its own lease: the id is kept in the mirror from before the acquire until the journal has it.
  const pending =
    !held && !journal?.leaseId && !options.reuse ? await prepareRunLease(mirror, guard.holder) : undefined;
  // Whether maintenance has work is a local, read-only look at the catalog: taken while the lease request is on
  // the wire. Awaited before anything else happens, so the session is never left mid-query.
  const maintenance = options.maintenance === false ? undefined : (options.maintenance ?? DEFAULT_MAINTENANCE);
  const layout = entry.layout ?? DEFAULT_LAKE_LAYOUT;
  const work =
    maintenance && !committed && !journal?.steps.includes('maintained')
      ? maintenanceWork(session, mirror.catalogFile, maintenance, layout).catch((error: unknown) => [
          `unknown (${error instanceof Error ? error.message : String(error)})`,
        ])
      : undefined;
  // The upload plan is a local read too: taken right after that look, still while the lease request is on
  // the wire. Used only if maintenance then leaves the catalog as it is (the mirror lock keeps everyone else out).
  const early = committed
    ? undefined
    : (async () => ((await work)?.length ? undefined : newFiles(session, mirror).catch(() => undefined)))();
  if (!held) {
    try {
      held = await guard.acquire({
        operation: 'publish',
        leaseId: journal?.leaseId ?? options.reuse?.leaseId ?? pending?.leaseId,
        runId: journal?.runId ?? options.reuse?.runId ?? pending?.runId,
        expect: committed ? undefined : { etag: state.etag, md5: state.md5 },
        createIfMissing: false,
      });
    } catch (error) {
      await Promise.all([work, early, alongside]);
      // Busy or refused: this id holds nothing. A network failure keeps the record: the acquire may have landed.
      if (pending && error instanceof LakehouseError && error.code !== 'storage') await clearRunLease(mirror);
      if (error instanceof LakehouseError && error.code === 'catalog-missing') throw new CatalogDeletedError(name);
      throw error;
    }
  }
  const maintenanceReasons = await work;
  const earlyPlan = await early;
  const looked = await alongside;
  if (looked && 'error' in looked) {
    // Nothing written yet: the lease goes back before the look's error is told. The pending id is kept if the
    // release did not land (a rerun re-takes its own lease with it).
    const released = await guard.release(held).then(
      () => true,
      () => false,
    );
    if (pending && released) await clearRunLease(mirror);
    throw looked.error;
  }
  if (committed && journal) {
    const evidence = await readCatalogEvidence(catalogBlob, name);
    if (evidence.md5 !== journal.catalogMd5) {
      // Someone broke our stale lease and published after our commit: this publish did not finish.
      await guard.release(held).catch(() => undefined);
      await clearJournal(mirror);
      throw new PublishSupersededError(name, { lastModified: evidence.lastModified });
    }
  }
  options.onLease?.(held);
  journal ??= {
    runId: held.stamp.run_id,
    leaseId: held.leaseId,
    startedAt: new Date().toISOString(),
    pulled: { etag: state.etag, md5: state.md5 },
    steps: [],
  };
  journal.leaseId = held.leaseId;
  const step = async (s: PublishStep) => {
    if (!journal!.steps.includes(s)) journal!.steps.push(s);
    await writeJournal(mirror, journal!);
    await options.onStep?.(s);
  };
  await step('leased');
  if (pending) await clearRunLease(mirror); // the journal holds the lease id from here on
  // The last export's state is read under the lease while the data goes up (nobody else writes it meanwhile).
  const known = options.exportDelta !== false ? settled(readKnown(store, entry)) : undefined;

  let plan: Omit<PublishPlan, 'localChanges'> | undefined;
  let maintainedHere = false;
  let exporting: Promise<Settled<DeltaExportReport>> | undefined;
  try {
    if (!committed) {
      // 3. DuckLake's own maintenance, so Delta readers see every row and no deleted one.
      if (maintenance && !journal.steps.includes('maintained')) {
        // Attaching through DuckLake is most of maintenance's cost: only when the catalog shows work for it.
        const reasons = maintenanceReasons ?? (await maintenanceWork(session, mirror.catalogFile, maintenance, layout));
        if (reasons.length > 0) {
          // A run that pulled only the tables it read leaves other tables' files remote; those
          // maintenance rewrites come down first.
          const reads = await tablesMaintenanceReads(session, mirror.catalogFile, maintenance, layout);
          await fetchMissingDataFiles(
            {
              store,
              mirror,
              session,
              signal,
              concurrency: options.concurrency,
              ...(reads === 'all' ? {} : { tables: reads }),
            },
            state,
            progress,
          );
          progress.report({ message: 'Maintenance: flushing inlined data, rewriting deletes, merging small files…' });
          await runMaintenance(
            await sessionOf(session),
            { file: mirror.catalogFile, format: state.format, dataRoot: mirror.dataRoot, layout },
            maintenance,
            signal,
          );
          maintainedHere = true;
        }
        await step('maintained');
      }
      throwIfCancelled(signal, 'Publish');

      // 4. New data files, computed from the two catalogs; If-None-Match * so nothing is overwritten.
      plan = (!maintainedHere && earlyPlan) || (await newFiles(session, mirror));
      await uploadFiles(options, state, plan, progress);
      await step('data-uploaded');
      throwIfCancelled(signal, 'Publish');

      // 5. The commit point: one atomic upload under the lease, If-Match the ETag of our stamp.
      progress.report({ message: `Committing ${name}…` });
      journal.catalogMd5 = await md5OfFile(mirror.catalogFile);
      await step('committing');
      const commit = commitCatalog(options, held, journal as CommitJournal, name).then(async (etag) => {
        journal!.committedEtag = etag;
        committed = true;
        await step('committed');
      });
      // The export reads the local catalog (final now) and the Delta logs while the commit is on the wire;
      // every write it makes waits until the commit landed and was journaled, and is never made if it failed.
      if (options.exportDelta !== false) exporting = settled(exportDelta(options, state, known, commit));
      try {
        await commit;
      } catch (error) {
        await exporting; // its writes were refused; nothing of it outlives this publish
        throw error;
      }
    }

    // 6. Delta logs, put-if-absent per commit; safe to repeat.
    let delta: DeltaExportReport | undefined;
    if (options.exportDelta !== false) {
      progress.report({ message: 'Exporting Delta Lake logs…' });
      delta = await unsettled(exporting ?? settled(exportDelta(options, state, known)));
    }

    // 7. Release (the export state is written beside the release mark, still under the lease), and the
    // published catalog becomes the new base.
    const report = delta;
    const exported = report
      ? (async () => {
          await writeKnown(store, entry, knownStates(report));
          await step('exported');
        })()
      : undefined;
    // The published catalog becomes the new base while the release is on the wire (a local copy; a rerun after a
    // crash in between finds the journal and copies it again).
    const based = settled(copyAtomically(mirror.catalogFile, mirror.baseFile));
    try {
      await guard.release(held, exported);
    } finally {
      await based;
    }
    options.onLease?.(undefined);
    await unsettled(based);
    await step('released');
    // The release marks the stamp, so the last write under this lease is the remote's ETag now.
    const etag =
      held.etag || journal.committedEtag || ((await store.blob(entry.catalogPath).getProperties()).etag ?? '');
    await mirror.writeState({
      ...state,
      etag,
      md5: journal.catalogMd5 ?? (await md5OfFile(mirror.catalogFile)),
      pulledAt: new Date().toISOString(),
    });
    await clearJournal(mirror);
    return summary(plan ? 'published' : 'finished-earlier-publish', {
      tables: plan?.tables ?? [],
      files: plan?.files.length ?? 0,
      bytes: plan?.bytes ?? 0,
      etag,
      delta,
    });
  } catch (error) {
    options.onLease?.(undefined);
    // Before the commit point nothing is visible: let go of the lease so others can work.
    // After it, keep the journal; a rerun re-takes this lease (same id) and finishes.
    if (error instanceof CommitOutcomeUnknownError) {
      // The journal stays at 'committing' until a rerun proves the outcome from the remote.
      await guard.release(held).catch(() => undefined);
    } else if (!committed) {
      try {
        await guard.release(held);
        await clearJournal(mirror);
      } catch {
        // Network down: the journal keeps the lease id for the rerun.
      }
    } else {
      await guard.release(held).catch(() => undefined);
      // After the commit point a cancel or a failure is never silent: say what the lakehouse holds.
      if (!(error instanceof LakehouseError && error.code === 'publish-superseded'))
        throw new PublishIncompleteError(name, plan?.tables ?? [], error);
    }
    throw error;
  }
}

type CommitJournal = PublishJournal & { catalogMd5: string };

/**
 * The commit point. The SDK retries a Put Blob whose answer was lost; if the
 * first attempt landed, the retry's If-Match fails with 412 (or the retries run
 * out on resets). Any failure is therefore checked against the remote: our
 * bytes on our parent there means committed, the pulled catalog there means
 * not committed (the original error stands), and no answer at all means the
 * outcome is unknown and the journal must stay.
 */
async function commitCatalog(
  options: PublishOptions,
  held: HeldLease,
  journal: CommitJournal,
  name: string,
): Promise<string> {
  const { guard, mirror, store, entry } = options;
  try {
    return await guard.upload(
      held,
      { file: mirror.catalogFile, md5: journal.catalogMd5 },
      { [PARENT_MD5_KEY]: journal.pulled.md5 },
    );
  } catch (error) {
    let evidence;
    try {
      evidence = await readCatalogEvidence(store.blob(entry.catalogPath), name);
    } catch {
      throw new CommitOutcomeUnknownError(name, error);
    }
    if (judgeCommit(evidence, { md5: journal.catalogMd5, parentMd5: journal.pulled.md5 }) !== 'ours') throw error;
    held.etag = evidence.etag ?? held.etag;
    // What the commit wrote beside the stamp: the release mark keeps it for later evidence.
    held.extraMetadata = { [PARENT_MD5_KEY]: journal.pulled.md5 };
    return held.etag;
  }
}

async function uploadFiles(
  options: PublishOptions,
  state: PullState,
  plan: Omit<PublishPlan, 'localChanges'>,
  progress: Progress,
): Promise<void> {
  const { store, mirror, signal } = options;
  let done = 0;
  await forEachLimit(
    plan.files,
    options.concurrency ?? 8,
    async (file) => {
      const local = mirror.dataFile(file.path);
      try {
        await uploadIfAbsent(store.blob(`${state.dataPrefix}${file.path}`), local, signal);
      } catch (error) {
        // Looked at only when an upload fails: a stat per file before each upload (the SDK stats it
        // again) was ~15 % of a 1,000-file publish's main-thread time.
        const missing = await stat(local).then(
          () => false,
          () => true,
        );
        if (missing)
          throw new LakehouseError(
            'mirror-incomplete',
            `The local catalog references ${file.path}, which is not in the local mirror.`,
            'Pull again, or reset the local catalog to the remote one.',
          );
        throw error;
      }
      done++;
      progress.report({
        message: `Uploading data files ${done}/${plan.files.length}`,
        increment: plan.bytes > 0 ? (file.sizeBytes / plan.bytes) * 100 : undefined,
      });
    },
    signal,
  );
}

async function filesOf(session: DuckDBSource, catalogFile: string): Promise<CatalogFile[]> {
  const tables = await CatalogReader.open(session, catalogFile);
  try {
    return await listLiveFiles(tables, undefined, 'all');
  } finally {
    await tables.close();
  }
}

function dedupe(files: CatalogFile[]): CatalogFile[] {
  const seen = new Map<string, CatalogFile>();
  for (const f of files) if (!seen.has(f.path)) seen.set(f.path, f);
  return [...seen.values()];
}

type Settled<T> = { value: T } | { error: unknown };

/** A promise whose failure is held until awaited (no unhandled rejection if publish stops before using it). */
function settled<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

async function unsettled<T>(outcome: Promise<Settled<T>>): Promise<T> {
  const result = await outcome;
  if ('error' in result) throw result.error;
  return result.value;
}

/**
 * Delta (and Iceberg) export of the local catalog. With `committed`, the export starts before the catalog commit
 * has landed: it reads freely, and each of its writes waits for that promise, failing with its error.
 */
async function exportDelta(
  options: PublishOptions,
  state: PullState,
  known: Promise<Settled<Record<string, ExportedTableState> | undefined>> | undefined,
  committed?: Promise<void>,
): Promise<DeltaExportReport> {
  const { session, mirror, store, entry, signal } = options;
  const logs = blobDeltaLogStore(store, state.dataPrefix);
  return exportDeltaLake({
    session,
    catalogPath: mirror.catalogFile,
    store: committed ? writesAfter(logs, committed, signal) : logs,
    known: known ? await unsettled(known) : await readKnown(store, entry),
    iceberg: entry.iceberg === true,
    signal,
  });
}

/** Where the last export's per-table state lives, next to the catalog, so any publisher's next export is cheap. */
function knownBlob(store: LakehouseStore, entry: LakehouseEntry) {
  return store.blob(`${entry.catalogPath}.delta-export.json`);
}

async function readKnown(
  store: LakehouseStore,
  entry: LakehouseEntry,
): Promise<Record<string, ExportedTableState> | undefined> {
  try {
    return JSON.parse((await readBlobBytes(knownBlob(store, entry))).toString('utf8')) as Record<
      string,
      ExportedTableState
    >;
  } catch (error) {
    if (storageError(error).status === 404 || error instanceof SyntaxError) return undefined;
    throw storageFailure('read the last Delta export state', error);
  }
}

async function writeKnown(
  store: LakehouseStore,
  entry: LakehouseEntry,
  known: Record<string, ExportedTableState>,
): Promise<void> {
  const body = Buffer.from(JSON.stringify(known));
  await knownBlob(store, entry).uploadData(body, { blobHTTPHeaders: { blobContentType: 'application/json' } });
}
