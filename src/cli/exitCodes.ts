import { isCancelled, LakehouseError } from '../core/errors';

/** Documented in the README; scripts rely on them. */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  busy: 3,
  changed: 4,
  notStale: 5,
  leaseLost: 6,
  notBuilt: 7,
  runFailed: 8,
  /** Publish did not finish: someone published over its commit (see the message for what to do). */
  superseded: 9,
  /** The commit's outcome could not be checked (network): rerun publish to settle and finish it. */
  commitUnknown: 10,
  /** The remote catalog was deleted after the pull; nothing was created. */
  catalogDeleted: 11,
  /** DuckDB refused the query (the message marks the position). */
  queryFailed: 12,
  /** The query engine process stopped (crash or out of memory); the next query starts a fresh one. */
  engineCrashed: 13,
  /** Publish stopped after its commit (cancelled or Delta failed): the catalog is published; rerun publish to finish. */
  publishIncomplete: 14,
  /** export-delta left tables out (reasons in its report). */
  deltaSkipped: 15,
  /** `lakehouse check` found what Direct Lake rejects, or publish refused for it (lakehouse.publish.readiness: refuse). */
  notFabricReady: 16,
  cancelled: 130,
} as const;

export function exitCodeFor(error: unknown): number {
  if (isCancelled(error)) return EXIT.cancelled;
  if (!(error instanceof LakehouseError)) return EXIT.error;
  switch (error.code) {
    case 'lease-busy':
    case 'mirror-busy':
      return EXIT.busy;
    case 'catalog-changed':
      return EXIT.changed;
    case 'lease-not-stale':
    case 'lease-not-held':
    case 'lease-changed':
      return EXIT.notStale;
    case 'lease-lost':
      return EXIT.leaseLost;
    case 'config':
    case 'usage':
      return EXIT.usage;
    case 'not-built':
      return EXIT.notBuilt;
    case 'run-failed':
      return EXIT.runFailed;
    case 'publish-superseded':
      return EXIT.superseded;
    case 'commit-unknown':
      return EXIT.commitUnknown;
    case 'catalog-deleted':
      return EXIT.catalogDeleted;
    case 'query-failed':
      return EXIT.queryFailed;
    case 'engine-crashed':
      return EXIT.engineCrashed;
    case 'publish-incomplete':
      return EXIT.publishIncomplete;
    case 'delta-skipped':
      return EXIT.deltaSkipped;
    case 'not-fabric-ready':
      return EXIT.notFabricReady;
    default:
      return EXIT.error;
  }
}
