/**
 * Who holds the catalog, written into the blob's metadata under the lease.
 * Put Blob replaces metadata, so every upload under the lease re-sends it.
 */
export interface LeaseStamp {
  /** UTC ISO 8601. */
  acquired_at: string;
  /** user@host or a configured name. */
  holder: string;
  run_id: string;
  /** name/version of the writer, e.g. lakehouse-dev/0.1.0. */
  tool: string;
  /** run, publish, lease, … */
  operation: string;
  /**
   * Set by the heartbeat of a long run (holder's clock, for people only). The write
   * itself moves the blob's Last-Modified, which is what staleness is judged by.
   */
  renewed_at?: string;
  /**
   * Written just before the lease is released: the stamp then names the *previous*
   * holder. A blob leased again before its new holder stamps it still carries this
   * stamp, so a reader must not name that holder as the current one.
   */
  released_at?: string;
}

const KEYS = ['acquired_at', 'holder', 'run_id', 'tool', 'operation', 'renewed_at', 'released_at'] as const;

export function stampToMetadata(stamp: LeaseStamp): Record<string, string> {
  // Metadata travels as HTTP headers: keep values to printable ASCII.
  const out: Record<string, string> = {};
  for (const key of KEYS) if (stamp[key] !== undefined) out[key] = toHeaderSafe(stamp[key]);
  return out;
}

/** Reads a stamp back; returns undefined when the blob carries none (e.g. another tool wrote it). */
export function stampFromMetadata(metadata: Record<string, string> | undefined): Partial<LeaseStamp> | undefined {
  if (!metadata) return undefined;
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) lower[k.toLowerCase()] = v;
  const stamp: Partial<LeaseStamp> = {};
  for (const key of KEYS) if (lower[key] !== undefined) stamp[key] = lower[key];
  return Object.keys(stamp).length > 0 ? stamp : undefined;
}

/** The stamp's time, or undefined when it is missing or not a valid ISO instant. */
export function stampTime(stamp: Partial<LeaseStamp> | undefined): Date | undefined {
  const text = stamp?.acquired_at;
  if (!text || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function toHeaderSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?');
}
