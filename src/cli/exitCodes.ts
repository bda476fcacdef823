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
  queryFailed: 9,
  engineCrashed: 10,
  cancelled: 130,
} as const;

export function exitCodeFor(error: unknown): number {
  if (isCancelled(error)) return EXIT.cancelled;
  if (!(error instanceof LakehouseError)) return EXIT.error;
  switch (error.code) {
    case 'lease-busy':
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
    case 'query-failed':
      return EXIT.queryFailed;
    case 'engine-crashed':
      return EXIT.engineCrashed;
    default:
      return EXIT.error;
  }
}
