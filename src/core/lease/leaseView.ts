import { formatDuration, formatUtcTime } from '../util/duration';
import { stampFromMetadata, stampTime, type LeaseStamp } from './stamp';

/** The lease as a person reads it. `broken` and `free` can both be acquired. */
export type LeaseStatus = 'missing' | 'free' | 'held' | 'stale' | 'breaking' | 'broken';

/** What the catalog blob's properties say, as read by one Get Blob Properties. */
export interface CatalogBlobProperties {
  exists: boolean;
  /** Azure lease state: available, leased, expired, breaking, broken. */
  leaseState?: string;
  leaseDuration?: string;
  etag?: string;
  lastModified?: Date;
  contentLength?: number;
  metadata?: Record<string, string>;
  /** The service's clock: the Date header of the response these properties came in. */
  serviceDate?: Date;
}

/** Below this the service's one-second clocks (Date, Last-Modified) cannot judge an age. */
export const MIN_STALE_AFTER_MS = 2_000;

export interface LeaseView {
  status: LeaseStatus;
  leaseState?: string;
  leaseDuration?: string;
  etag?: string;
  lastModified?: Date;
  contentLength?: number;
  /** The stamp fields of the current holder, if it stamped the blob. */
  stamp?: Partial<LeaseStamp>;
  /** A stamp marked released while the blob is leased again: who held it *before* (never the holder now). */
  previous?: Partial<LeaseStamp>;
  /**
   * The last sign of life from the holder on the service's clock: the Last-Modified of
   * its stamp write, heartbeat or upload (a lease never written under counts from the
   * blob's last write).
   */
  since?: Date;
  /** `stamp`: the holder stamped it (its own clock is never used to judge); `last-modified`: no stamp. */
  sinceSource?: 'stamp' | 'last-modified';
  ageMs?: number;
  staleAfterMs: number;
  /** When a held lease counts as stale. */
  staleAt?: Date;
  /** Judged at, on the service's clock when the answer carried one (else the reader's). */
  now: Date;
}

/**
 * Judges a lease from blob properties, on the **service's clock**: the age is the
 * response's Date minus the blob's Last-Modified (the holder's last stamp,
 * heartbeat or upload), so neither the holder's nor the reader's clock matters.
 * `now` (the reader's clock) is used only when the answer carried no Date.
 */
export function judgeLease(props: CatalogBlobProperties, readerNow: Date, staleAfterMs: number): LeaseView {
  const now = props.serviceDate ?? readerNow;
  const base = {
    leaseState: props.leaseState,
    leaseDuration: props.leaseDuration,
    etag: props.etag,
    lastModified: props.lastModified,
    contentLength: props.contentLength,
    staleAfterMs,
    now,
  };
  if (!props.exists) return { ...base, status: 'missing' };
  switch (props.leaseState) {
    case 'leased': {
      const found = stampFromMetadata(props.metadata);
      // A stamp marked released belongs to the previous lease: the new holder has not stamped yet.
      const stamp = found?.released_at ? undefined : found;
      const previous = found?.released_at ? found : undefined;
      const stamped = stampTime(stamp);
      const since = props.lastModified;
      const ageMs = since ? Math.max(0, now.getTime() - since.getTime()) : 0;
      const staleAt = since ? new Date(since.getTime() + staleAfterMs) : undefined;
      const stale = since !== undefined && ageMs > staleAfterMs;
      return {
        ...base,
        status: stale ? 'stale' : 'held',
        stamp,
        previous,
        since,
        sinceSource: stamped ? 'stamp' : 'last-modified',
        ageMs,
        staleAt,
      };
    }
    case 'breaking':
      return { ...base, status: 'breaking', stamp: stampFromMetadata(props.metadata) };
    case 'broken':
      return { ...base, status: 'broken' };
    default:
      // available and expired: nobody holds it.
      return { ...base, status: 'free' };
  }
}

export function isAcquirable(view: LeaseView): boolean {
  return view.status === 'free' || view.status === 'broken' || view.status === 'missing';
}

/** Short text for a tree item's description: `free`, `held by ana@laptop · 1 h 12 m`, `stale · 13 h`, `broken`. */
export function describeLeaseShort(view: LeaseView): string {
  switch (view.status) {
    case 'missing':
      return 'no catalog yet';
    case 'free':
      return 'free';
    case 'broken':
      return 'free · last lease broken';
    case 'breaking':
      return 'breaking';
    case 'held':
      return `held by ${holderOf(view)} · ${formatDuration(view.ageMs ?? 0)}`;
    case 'stale':
      return `stale · ${formatDuration(view.ageMs ?? 0)} · ${holderOf(view)}`;
  }
}

/**
 * The full sentence: "metadata.db is held by ana@laptop (publish, run 3f2a) since 10:02 UTC,
 * 1 h 12 m ago; it can be broken as stale in 10 h 48 m."
 */
export function describeLeaseLong(view: LeaseView, catalogName: string): string {
  switch (view.status) {
    case 'missing':
      return `${catalogName} does not exist yet; the first run creates it.`;
    case 'free':
      return `${catalogName} is free.`;
    case 'broken':
      return `${catalogName} is free (its last lease was broken).`;
    case 'breaking':
      return `${catalogName}'s lease is being broken${view.stamp?.holder ? ` (was held by ${view.stamp.holder})` : ''}.`;
    case 'held':
    case 'stale': {
      const what = [view.stamp?.operation, view.stamp?.run_id ? `run ${shortRun(view.stamp.run_id)}` : undefined]
        .filter(Boolean)
        .join(', ');
      const since = view.since
        ? ` since ${formatUtcTime(view.since, view.now)}, ${formatDuration(view.ageMs ?? 0)} ago`
        : '';
      const measured = view.previous
        ? ` (just taken, not stamped yet; ${view.previous.holder ?? 'the previous holder'} released it before)`
        : view.sinceSource === 'last-modified'
          ? view.stamp?.acquired_at !== undefined
            ? ' (its stamp time is unreadable: age measured from the last write)'
            : ' (no lease stamp: age measured from the last write)'
          : view.stamp?.renewed_at
            ? ' (last heartbeat)'
            : '';
      const head = `${catalogName} is held by ${holderOf(view)}${what ? ` (${what})` : ''}${since}${measured}`;
      if (view.status === 'stale')
        return `${head}; it is stale (older than ${formatDuration(view.staleAfterMs)}) and can be broken.`;
      const wait = view.staleAt ? view.staleAt.getTime() - view.now.getTime() : undefined;
      return `${head}; it can be broken as stale in ${wait === undefined ? 'an unknown time' : formatDuration(wait)}.`;
    }
  }
}

function holderOf(view: LeaseView): string {
  return view.stamp?.holder || (view.previous ? 'a new holder' : 'an unknown holder');
}

function shortRun(runId: string): string {
  return runId.length > 8 ? runId.slice(0, 8) : runId;
}
