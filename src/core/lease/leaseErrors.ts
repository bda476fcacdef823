import { LakehouseError } from '../errors';
import { describeLeaseLong, type LeaseView } from './leaseView';

/** Someone else holds the catalog. Carries the view so callers can show who and until when. */
export class CatalogBusyError extends LakehouseError {
  constructor(
    readonly view: LeaseView,
    catalogName: string,
  ) {
    super(
      'lease-busy',
      describeLeaseLong(view, catalogName),
      view.status === 'stale'
        ? "Run 'Break Stale Lease' (or 'lakehouse lease break') if that run crashed."
        : 'Wait for that run to finish, or ask its holder.',
    );
  }
}

/** The lease this run held was broken or lost; nothing was written. */
export class LeaseLostError extends LakehouseError {
  constructor(catalogName: string, detail: string) {
    super(
      'lease-lost',
      `The lease on ${catalogName} was lost (${detail}); nothing was written.`,
      'Someone broke it as stale or forced it. Pull again and rerun.',
    );
  }
}

/** The remote catalog changed since it was pulled: writing now would lose someone's update. */
export class CatalogChangedError extends LakehouseError {
  constructor(
    catalogName: string,
    readonly remote: { etag?: string; holder?: string; lastModified?: Date },
  ) {
    super(
      'catalog-changed',
      `The remote ${catalogName} changed since your pull${remote.holder ? ` (published by ${remote.holder}` : ''}${
        remote.lastModified
          ? `${remote.holder ? ' at' : ' (at'} ${remote.lastModified.toISOString()})`
          : remote.holder
            ? ')'
            : ''
      }; nothing was uploaded.`,
      'Pull and run again.',
    );
  }
}

export class LeaseNotStaleError extends LakehouseError {
  constructor(view: LeaseView, catalogName: string) {
    super(
      'lease-not-stale',
      `Not breaking: ${describeLeaseLong(view, catalogName)}`,
      "Use 'Force Break Lease' only if you are sure that run is gone.",
    );
  }
}

export class LeaseNotHeldError extends LakehouseError {
  constructor(view: LeaseView, catalogName: string) {
    super('lease-not-held', `There is no lease to break: ${describeLeaseLong(view, catalogName)}`);
  }
}

/** The lease changed between judging it stale and breaking it: another run got there first. */
export class LeaseChangedError extends LakehouseError {
  constructor(catalogName: string) {
    super(
      'lease-changed',
      `The lease on ${catalogName} changed while it was being broken; another run got there first.`,
      'Refresh and look again.',
    );
  }
}

/** The stamp operation a migration leaves on a SQLite catalog it moved to PostgreSQL: its lease is never released. */
export const RETIRED_OPERATION = 'retired';

/**
 * The SQLite catalog was moved to PostgreSQL (`lakehouse catalog migrate --to
 * postgres`): its lease is held for good so that no one keeps writing the old
 * file. Said as what it is, not as a busy lease to wait for or break.
 */
export class CatalogRetiredError extends LakehouseError {
  constructor(view: LeaseView, catalogName: string) {
    super(
      'catalog-retired',
      `${catalogName} was moved to a PostgreSQL catalog${view.stamp?.acquired_at ? ` on ${view.stamp.acquired_at}` : ''}${view.stamp?.holder ? ` by ${view.stamp.holder}` : ''} and is retired: nothing may write it any more.`,
      `Point this lakehouse's catalog in lakehouse.yml at PostgreSQL (catalog: { type: postgres, connection_env: … }; see ${catalogName}.retired.json next to it), or move it back with 'lakehouse catalog migrate <lakehouse> --to sqlite'.`,
    );
  }
}

/**
 * A lease action got no answer (the connection broke or stalled, retries ran out) and the
 * remote could not be read to settle it. Says exactly what may be true and how to settle it.
 */
export class LeaseOutcomeUnknownError extends LakehouseError {
  constructor(
    catalogName: string,
    action: 'acquire' | 'release' | 'break',
    readonly leaseId: string | undefined,
    cause: unknown,
  ) {
    const what =
      action === 'acquire'
        ? `taking the lease on ${catalogName} got no answer, and the remote could not be read to check: the lease may now be held under lease id ${leaseId}`
        : action === 'release'
          ? `releasing the lease on ${catalogName} got no answer, and the remote could not be read to check: the lease may still be held under lease id ${leaseId}`
          : `breaking the lease on ${catalogName} got no answer, and the remote could not be read to check whether it was broken`;
    super(
      'lease-unknown',
      `${what.charAt(0).toUpperCase()}${what.slice(1)}.`,
      action === 'break'
        ? "Run 'lakehouse lease status' when the network is back to see who holds it."
        : `Run the same command again when the network is back: it re-takes or releases that lease by its id (or 'lakehouse lease release --lease-id ${leaseId}').`,
      { cause },
    );
  }
}
