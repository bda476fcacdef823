import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BlockBlobClient } from '@azure/storage-blob';
import { ConfigError, LakehouseError } from '../errors';
import { replaceBlob } from '../storage/atomicReplace';
import { md5OfBytes, md5OfFile } from '../storage/contentHash';
import { containerMissingError, isStorageCode, storageError, storageFailure } from '../storage/storageErrors';
import {
  CatalogBusyError,
  CatalogRetiredError,
  RETIRED_OPERATION,
  CatalogChangedError,
  LeaseChangedError,
  LeaseLostError,
  LeaseNotHeldError,
  LeaseNotStaleError,
  LeaseOutcomeUnknownError,
} from './leaseErrors';
import { judgeLease, MIN_STALE_AFTER_MS, type CatalogBlobProperties, type LeaseView } from './leaseView';
import { stampFromMetadata, stampToMetadata, type LeaseStamp } from './stamp';

/** Waits between re-reads of a lease taken but not yet stamped (a stamp is one request away). */
const STAMP_WAITS_MS = [100, 200, 400, 600, 800];

export interface LeaseGuardOptions {
  /** The catalog blob (`<item>/Files/metadata.db`). */
  blob: BlockBlobClient;
  /** For messages: `metadata.db`. */
  catalogName: string;
  staleAfterMs: number;
  holder: string;
  tool: string;
  now?: () => Date;
  /** Bytes of a valid empty catalog, made on demand when the blob does not exist yet. */
  createEmptyCatalog?: () => Promise<Uint8Array>;
  /** A new blob next to the catalog (`metadata.db<suffix>`), to stage a catalog too large for one Put Blob. */
  stagingBlob?: (suffix: string) => BlockBlobClient;
  /** Above this size the catalog is staged and copied instead of put in one request (tests lower it). */
  singleShotLimitBytes?: number;
  /** Waits between re-reads of a lease not stamped yet (tests pass their own). */
  pause?: (ms: number) => Promise<void>;
}

/** A lease this process holds. `etag` follows every write made under it. */
export interface HeldLease {
  leaseId: string;
  stamp: LeaseStamp;
  etag: string;
  /** Metadata the last upload wrote beside the stamp (publish's parent_md5), kept by the release mark. */
  extraMetadata?: Record<string, string>;
}

/** The catalog as it was pulled: its ETag then, and its content hash (Content-MD5, base64). */
export interface CatalogVersion {
  etag: string;
  md5?: string;
}

export interface AcquireOptions {
  operation: string;
  /**
   * Refuse (CatalogChangedError, lease released) unless the catalog's content is
   * still the pulled one. Stamping changes the ETag, so a later ETag mismatch
   * whose Content-MD5 still matches (someone only took and released the lease)
   * is not a change.
   */
  expect?: CatalogVersion;
  /** Break the lease first when it is stale (conditionally, so two breakers cannot both win). */
  breakIfStale?: boolean;
  runId?: string;
  /**
   * Re-take a lease this tool held before (a publish resumed after a crash):
   * acquiring with the same id succeeds while that lease is still active.
   */
  leaseId?: string;
  /**
   * Create an empty catalog when there is none (default true). Publish and
   * Export Delta pass false: a catalog deleted after a pull must stay deleted,
   * not come back empty; only an explicit first run creates one.
   */
  createIfMissing?: boolean;
}

const LEASE_GONE = [
  'LeaseIdMismatchWithBlobOperation',
  'LeaseIdMismatchWithLeaseOperation',
  'LeaseNotPresentWithBlobOperation',
  'LeaseNotPresentWithLeaseOperation',
  'LeaseLost',
  'LeaseIdMissing',
  'LeaseIsBrokenAndCannotBeRenewed',
];

/**
 * True for a failure that says nothing about whether the request was applied: no answer at
 * all (reset, stall, the retries ran out) or a 5xx after the retries. Such an outcome is read
 * from the remote before it is reported.
 */
function isAmbiguous(error: unknown): boolean {
  if (error instanceof LakehouseError) return false;
  const { status } = storageError(error);
  return status === undefined || status >= 500;
}

/**
 * Makes a SQLite catalog on object storage single-writer: an infinite blob
 * lease, a stamp saying who holds it, stale-lease recovery that cannot let two
 * runs win, and uploads that are atomic, lease-bound and ETag-checked.
 */
export class LeaseGuard {
  private readonly now: () => Date;

  constructor(private readonly options: LeaseGuardOptions) {
    this.now = options.now ?? (() => new Date());
    if (!(options.staleAfterMs >= MIN_STALE_AFTER_MS))
      throw new ConfigError(
        `A lease stale-after of ${options.staleAfterMs} ms is too short: a running holder would be broken.`,
        `Use at least ${MIN_STALE_AFTER_MS / 1000} s (the default is 12h).`,
      );
  }

  get staleAfterMs(): number {
    return this.options.staleAfterMs;
  }

  /**
   * Re-stamps the lease (`renewed_at`) every `intervalMs` (default a quarter of the
   * stale threshold, at most 5 min) while a long run holds it: each write moves the
   * blob's Last-Modified on the service's clock, so the run is never judged stale.
   * Call the returned function, and await it, before anything else writes under `held`.
   */
  startHeartbeat(held: HeldLease, intervalMs = Math.min(this.options.staleAfterMs / 4, 300_000)): () => Promise<void> {
    let stopped = false;
    let inFlight: Promise<void> = Promise.resolve();
    const beat = () => {
      inFlight = (async () => {
        const stamp = { ...held.stamp, renewed_at: this.now().toISOString() };
        try {
          const response = await this.options.blob.setMetadata(stampToMetadata(stamp), {
            conditions: { leaseId: held.leaseId, ifMatch: held.etag },
          });
          held.stamp = stamp;
          held.etag = response.etag ?? held.etag;
        } catch {
          // A lost lease shows at the next write (upload, verify); the heartbeat only keeps it fresh.
        }
      })();
    };
    const timer = setInterval(() => {
      if (!stopped) beat();
    }, intervalMs);
    timer.unref?.();
    return async () => {
      stopped = true;
      clearInterval(timer);
      await inFlight;
    };
  }

  /** Who this guard stamps as the holder (a run re-takes only its own holder's lease). */
  get holder(): string {
    return this.options.holder;
  }

  /** One Get Blob Properties, judged. */
  async inspect(): Promise<LeaseView> {
    return judgeLease(await this.readProperties(), this.now(), this.options.staleAfterMs);
  }

  /**
   * Inspects a lease someone else holds; when it was just taken and not stamped yet,
   * reads again a few times (about 2 s in all) so a busy error can name the new holder.
   * After that it says honestly that the holder has not stamped yet.
   */
  private async inspectStamped(): Promise<LeaseView> {
    let view = await this.inspect();
    for (const waitMs of STAMP_WAITS_MS) {
      if (view.status !== 'held' || view.stamp) return view;
      await (this.options.pause ?? sleep)(waitMs);
      view = await this.inspect();
    }
    return view;
  }

  /**
   * Takes the lease and stamps it. Creates an empty catalog first when there is
   * none (If-None-Match *, never overwriting one another run just made).
   * Fails fast with CatalogBusyError when someone holds it.
   */
  async acquire(options: AcquireOptions): Promise<HeldLease> {
    const { blob, catalogName } = this.options;
    const leaseId = options.leaseId ?? randomUUID();
    try {
      await blob.getBlobLeaseClient(leaseId).acquireLease(-1);
    } catch (error) {
      if (isAmbiguous(error)) {
        // No answer (retries ran out): the lease may be ours already. One read under our id settles it.
        const owned = await this.holds(leaseId);
        if (owned === 'unknown') throw new LeaseOutcomeUnknownError(catalogName, 'acquire', leaseId, error);
        if (owned === 'no') throw storageFailure(`lease ${catalogName}`, error);
        return this.stampAcquired(leaseId, options);
      }
      if (storageError(error).status === 404) {
        if (isStorageCode(error, 'ContainerNotFound')) throw this.containerMissing(error);
        if (!this.options.createEmptyCatalog || options.createIfMissing === false) {
          throw new LakehouseError(
            'catalog-missing',
            `${catalogName} does not exist.`,
            'Check the catalog path of this lakehouse.',
          );
        }
        await this.createCatalog();
        return this.acquire(options);
      }
      if (!isStorageCode(error, 'LeaseAlreadyPresent')) throw storageFailure(`lease ${catalogName}`, error);
      const view = await this.inspectStamped();
      // A catalog moved to PostgreSQL keeps its lease for good: never judged stale, never broken here.
      if (view.stamp?.operation === RETIRED_OPERATION) throw new CatalogRetiredError(view, catalogName);
      if (options.breakIfStale && view.status === 'stale') {
        await this.breakJudged(view);
        return this.acquire({ ...options, breakIfStale: false });
      }
      throw new CatalogBusyError(view, catalogName);
    }
    return this.stampAcquired(leaseId, options);
  }

  /** Stamps a lease just taken; a failure lets it go again (or says exactly that it may still be held). */
  private async stampAcquired(leaseId: string, options: AcquireOptions): Promise<HeldLease> {
    const { catalogName } = this.options;
    const stamp: LeaseStamp = {
      acquired_at: this.now().toISOString(),
      holder: this.options.holder,
      run_id: options.runId ?? randomUUID(),
      tool: this.options.tool,
      operation: options.operation,
    };
    try {
      const etag = await this.stamp(leaseId, stamp, options.expect);
      return { leaseId, stamp, etag };
    } catch (error) {
      if (error instanceof CatalogChangedError) {
        await this.releaseQuietly(leaseId);
        throw error;
      }
      // A stale-breaker that judged before our lease existed broke it between
      // acquire and stamp: it won, we did not.
      if (isStorageCode(error, ...LEASE_GONE)) throw new CatalogBusyError(await this.inspect(), catalogName);
      if (!(await this.releaseQuietly(leaseId)) && (await this.holds(leaseId)) !== 'no')
        throw new LeaseOutcomeUnknownError(catalogName, 'acquire', leaseId, error);
      throw storageFailure(`stamp the lease on ${catalogName}`, error);
    }
  }

  /** Writes the stamp under the lease; with `expect`, only onto the pulled content. Returns the new ETag. */
  private async stamp(leaseId: string, stamp: LeaseStamp, expect: CatalogVersion | undefined): Promise<string> {
    const { blob, catalogName } = this.options;
    const metadata = stampToMetadata(stamp);
    try {
      const response = await blob.setMetadata(metadata, { conditions: { leaseId, ifMatch: expect?.etag } });
      return response.etag ?? '';
    } catch (error) {
      if (!expect || storageError(error).status !== 412 || isStorageCode(error, ...LEASE_GONE)) throw error;
    }
    // The ETag moved since the pull. Under our lease nobody else can write now,
    // so one read settles whether the content moved too.
    const props = await blob.getProperties({ conditions: { leaseId } });
    const remoteMd5 = props.contentMD5 ? Buffer.from(props.contentMD5).toString('base64') : undefined;
    if (!expect.md5 || remoteMd5 !== expect.md5) {
      const by = stampFromMetadata(props.metadata);
      throw new CatalogChangedError(catalogName, {
        etag: props.etag,
        holder: by?.holder,
        lastModified: props.lastModified,
      });
    }
    const response = await blob.setMetadata(metadata, { conditions: { leaseId, ifMatch: props.etag } });
    return response.etag ?? '';
  }

  /**
   * Uploads a new catalog under the lease, atomically (one Put Blob, or for a
   * catalog larger than one request a staged copy: never blocks onto the
   * existing file, which OneLake refuses), only if the blob is still the one
   * this lease last wrote (If-Match), with the stamp re-sent because a replace
   * resets metadata, and Content-MD5 set so a later pull can tell content
   * changes from metadata changes.
   */
  async upload(
    held: HeldLease,
    data: Uint8Array | { file: string; md5?: string },
    extraMetadata: Record<string, string> = {},
  ): Promise<string> {
    const { blob, catalogName } = this.options;
    // A caller that hashed the file already (publish journals it before the commit) passes it: the service checks
    // Content-MD5 against the bytes it receives, so a file changed since is refused, never stored under that MD5.
    const md5 = 'file' in data ? (data.md5 ?? (await md5OfFile(data.file))) : md5OfBytes(data);
    try {
      held.etag =
        (await replaceBlob(blob, data, {
          conditions: { leaseId: held.leaseId, ifMatch: held.etag },
          // Publish adds parent_md5, so an ambiguous answer can be settled by what the remote holds.
          metadata: { ...extraMetadata, ...stampToMetadata(held.stamp) },
          headers: { blobContentType: 'application/vnd.sqlite3', blobContentMD5: Buffer.from(md5, 'base64') },
          singleShotLimitBytes: this.options.singleShotLimitBytes,
          stagingBlob: this.options.stagingBlob,
        })) || held.etag;
      held.extraMetadata = extraMetadata;
      return held.etag;
    } catch (error) {
      if (isStorageCode(error, ...LEASE_GONE))
        throw new LeaseLostError(catalogName, storageError(error).code ?? 'lease gone');
      if (isStorageCode(error, 'ConditionNotMet') || storageError(error).status === 412) {
        const props = await this.readProperties();
        const stamp = stampFromMetadata(props.metadata);
        throw new CatalogChangedError(catalogName, {
          etag: props.etag,
          holder: stamp?.holder,
          lastModified: props.lastModified,
        });
      }
      throw storageFailure(`upload ${catalogName}`, error);
    }
  }

  /**
   * Retires the catalog after a migration to PostgreSQL: the stamp under the held lease says so,
   * and the lease is kept (never released), so every later acquire is refused as retired.
   */
  async retire(held: HeldLease): Promise<void> {
    const stamp = { ...held.stamp, operation: RETIRED_OPERATION, acquired_at: this.now().toISOString() };
    held.etag = await this.stamp(held.leaseId, stamp, undefined);
    held.stamp = stamp;
  }

  /** Confirms the lease is still ours (e.g. before a long publish step) without writing. */
  async verify(held: HeldLease): Promise<void> {
    try {
      await this.options.blob.getProperties({ conditions: { leaseId: held.leaseId } });
    } catch (error) {
      if (isStorageCode(error, ...LEASE_GONE) || storageError(error).status === 412) {
        throw new LeaseLostError(this.options.catalogName, storageError(error).code ?? 'lease gone');
      }
      throw storageFailure(`check the lease on ${this.options.catalogName}`, error);
    }
  }

  /**
   * Marks the stamp released, then lets the lease go. `alongside`: the caller's last write under this lease,
   * sent beside the release mark (one round trip fewer); the lease is let go only after it succeeded.
   */
  async release(held: HeldLease, alongside?: Promise<unknown>): Promise<void> {
    await Promise.all([this.markReleased(held), alongside]);
    try {
      await this.options.blob.getBlobLeaseClient(held.leaseId).releaseLease();
    } catch (error) {
      if (isAmbiguous(error)) {
        // No answer: whether the release landed is read from the remote, under our id.
        const owned = await this.holds(held.leaseId);
        if (owned === 'unknown')
          throw new LeaseOutcomeUnknownError(this.options.catalogName, 'release', held.leaseId, error);
        if (owned === 'yes') throw storageFailure(`release the lease on ${this.options.catalogName}`, error);
      } else if (!isStorageCode(error, ...LEASE_GONE))
        throw storageFailure(`release the lease on ${this.options.catalogName}`, error);
      // "Not present" is not proof of a loss: the SDK retries a release whose response was lost,
      // and the retry finds the lease already released. Only someone else holding it now is a loss.
      const view = await this.inspect();
      if (view.status === 'held' || view.status === 'stale' || view.status === 'breaking')
        throw new LeaseLostError(this.options.catalogName, storageError(error).code ?? 'lease gone');
    }
  }

  /**
   * Marks the stamp `released_at` (keeping its holder, for "published by", and publish's
   * parent_md5, which commit evidence reads) just before the lease goes: whoever leases the
   * blob next and has not stamped it yet is then not reported as this holder. Best effort:
   * a lease already gone, or a failed write, leaves the release itself to decide.
   */
  private async markReleased(held: HeldLease): Promise<void> {
    const stamp = { ...held.stamp, released_at: this.now().toISOString() };
    try {
      const response = await this.options.blob.setMetadata(
        { ...held.extraMetadata, ...stampToMetadata(stamp) },
        { conditions: { leaseId: held.leaseId } },
      );
      held.stamp = stamp;
      held.etag = response.etag ?? held.etag;
    } catch {
      // The release that follows reports a lost lease, or a network failure, itself.
    }
  }

  /** Breaks the lease only if it is stale now, conditioned on the ETag seen when judging. */
  async breakIfStale(): Promise<LeaseView> {
    const view = await this.inspect();
    if (view.status !== 'stale') {
      if (view.status === 'held') throw new LeaseNotStaleError(view, this.options.catalogName);
      throw new LeaseNotHeldError(view, this.options.catalogName);
    }
    await this.breakJudged(view);
    return view;
  }

  /**
   * Breaks the lease the user was shown, for the confirmed Force Break: conditioned on
   * `shownEtag` (the ETag of the view the dialog named), so a lease someone else took
   * since, or a holder's heartbeat, is not broken by mistake (LeaseChangedError).
   * Without `shownEtag` it breaks the lease as inspected now. Returns what was broken.
   */
  async forceBreak(shownEtag?: string): Promise<LeaseView> {
    const view = await this.inspect();
    if (view.status !== 'held' && view.status !== 'stale' && view.status !== 'breaking') {
      throw new LeaseNotHeldError(view, this.options.catalogName);
    }
    const etag = shownEtag ?? view.etag;
    try {
      await this.options.blob.getBlobLeaseClient().breakLease(0, { conditions: etag ? { ifMatch: etag } : undefined });
    } catch (error) {
      if (isAmbiguous(error)) {
        await this.settleBreak(view, error);
        return view;
      }
      if (storageError(error).status === 412) throw new LeaseChangedError(this.options.catalogName);
      if (!isStorageCode(error, 'LeaseNotPresentWithLeaseOperation')) {
        throw storageFailure(`break the lease on ${this.options.catalogName}`, error);
      }
    }
    return view;
  }

  private async breakJudged(view: LeaseView): Promise<void> {
    try {
      // Lease operations do not change the ETag; the stamp write does. A breaker whose
      // view predates the winner's stamp is refused here.
      await this.options.blob.getBlobLeaseClient().breakLease(0, { conditions: { ifMatch: view.etag } });
    } catch (error) {
      if (isAmbiguous(error)) return this.settleBreak(view, error);
      if (storageError(error).status === 412) {
        const now = await this.inspect();
        if (now.status === 'held' || now.status === 'stale') throw new CatalogBusyError(now, this.options.catalogName);
        throw new LeaseChangedError(this.options.catalogName);
      }
      throw storageFailure(`break the lease on ${this.options.catalogName}`, error);
    }
  }

  private async createCatalog(): Promise<void> {
    const bytes = await this.options.createEmptyCatalog!();
    try {
      await this.options.blob.uploadData(Buffer.from(bytes), {
        conditions: { ifNoneMatch: '*' },
        blobHTTPHeaders: {
          blobContentType: 'application/vnd.sqlite3',
          blobContentMD5: Buffer.from(md5OfBytes(bytes), 'base64'),
        },
      });
    } catch (error) {
      // Another run created it first: use theirs.
      if (
        isStorageCode(error, 'BlobAlreadyExists') ||
        storageError(error).status === 409 ||
        storageError(error).status === 412
      )
        return;
      throw storageFailure(`create ${this.options.catalogName}`, error);
    }
  }

  private async readProperties(): Promise<CatalogBlobProperties> {
    try {
      const p = await this.options.blob.getProperties();
      return {
        exists: true,
        leaseState: p.leaseState,
        leaseDuration: p.leaseDuration,
        etag: p.etag,
        lastModified: p.lastModified,
        contentLength: p.contentLength,
        metadata: p.metadata,
        serviceDate: p.date,
      };
    } catch (error) {
      if (isStorageCode(error, 'ContainerNotFound')) throw this.containerMissing(error);
      if (storageError(error).status === 404) return { exists: false };
      throw storageFailure(`read ${this.options.catalogName}`, error);
    }
  }

  /** No run can create a workspace: "the first run creates it" would be a promise acquire cannot keep. */
  private containerMissing(cause: unknown): LakehouseError {
    return containerMissingError(this.options.blob.containerName, cause);
  }

  /** True once the lease is let go (or was already gone). */
  private async releaseQuietly(leaseId: string): Promise<boolean> {
    try {
      await this.options.blob.getBlobLeaseClient(leaseId).releaseLease();
      return true;
    } catch (error) {
      // Best effort: the lease is already gone or will be judged stale later.
      return isStorageCode(error, ...LEASE_GONE);
    }
  }

  /** Whether `leaseId` holds the catalog now: one read conditioned on that id. */
  private async holds(leaseId: string): Promise<'yes' | 'no' | 'unknown'> {
    try {
      await this.options.blob.getProperties({ conditions: { leaseId } });
      return 'yes';
    } catch (error) {
      const { status } = storageError(error);
      if (isStorageCode(error, ...LEASE_GONE) || status === 412 || status === 404) return 'no';
      return 'unknown';
    }
  }

  /**
   * A break got no answer: read the lease. No longer held (broken, free) means the break
   * landed; the same lease still held means it did not; another lease means someone else
   * got there in between. Unreadable: the outcome is unknown, and said so.
   */
  private async settleBreak(shown: LeaseView, cause: unknown): Promise<void> {
    let now: LeaseView;
    try {
      now = await this.inspect();
    } catch {
      throw new LeaseOutcomeUnknownError(this.options.catalogName, 'break', undefined, cause);
    }
    if (now.status !== 'held' && now.status !== 'stale') return;
    if (now.etag === shown.etag) throw storageFailure(`break the lease on ${this.options.catalogName}`, cause);
    throw new LeaseChangedError(this.options.catalogName);
  }
}
