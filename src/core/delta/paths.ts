import { refuseUnsafeCatalogPath } from '../ducklake/paths';
import { UnsafeCatalogPathError } from './errors';

/** Where a Delta table's log lives, relative to the table folder. */
export const DELTA_LOG_DIR = '_delta_log/';
export const LAST_CHECKPOINT = '_last_checkpoint';

/** Segments of letters, digits and `_-=.~`, none starting with a dot (so no `.`/`..`), none empty. */
const PLAIN_RELATIVE = /^[A-Za-z0-9_~=-][A-Za-z0-9_.~=-]*(?:\/[A-Za-z0-9_~=-][A-Za-z0-9_.~=-]*)*$/;

/**
 * Splits a relative path into segments, rejecting anything that could leave
 * its base folder. `what` names the path in the error.
 */
export function safeRelativeSegments(path: string, what: string): string[] {
  // DuckLake's own names (`k=v/ducklake-<uuid>.parquet`) pass every rule below: checked by one pattern.
  if (PLAIN_RELATIVE.test(path)) return path.split('/');
  refuseUnsafeCatalogPath(path, what);
  const segments = path.split('/');
  // A trailing slash (folders) leaves one empty last segment; any other empty segment is `//`.
  const body = segments[segments.length - 1] === '' ? segments.slice(0, -1) : segments;
  for (const segment of body) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new UnsafeCatalogPathError(path, `has a '${segment || '//'}' segment that could leave its folder`, what);
    }
  }
  return body;
}

/** A relative folder (`main/orders/`), validated and normalised to end in `/`. */
export function safeRelativeFolder(path: string, what: string): string {
  const segments = safeRelativeSegments(path.endsWith('/') ? path : `${path}/`, what);
  if (segments.some((s) => s === '_delta_log')) {
    throw new UnsafeCatalogPathError(path, "contains a '_delta_log' segment", what);
  }
  return `${segments.join('/')}/`;
}

/** True when `path` is absolute (a URI with a scheme, or rooted). */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(path);
}

/** Ensures a trailing slash so prefix tests cannot match `tables2/` against `tables`. */
export function withTrailingSlash(path: string): string {
  return path.endsWith('/') ? path : `${path}/`;
}

/**
 * Percent-encodes a relative file path for a Delta `add`/`remove` action.
 * The protocol stores paths as URIs, so a file literally named `a%2Fb` must be
 * written `a%252Fb`. We keep only unreserved characters and `=` (so `b=k0/`
 * stays readable like Spark writes it) and encode everything else, per segment:
 * `:` could read as a URI scheme and `+` as a space to some decoders.
 */
export function encodeDeltaPath(relativePath: string): string {
  // DuckLake's own names (`ducklake-<uuid>.parquet`, `k=v/`) need no encoding: skip the per-byte walk.
  if (/^[A-Za-z0-9\-._~=/]*$/.test(relativePath)) return relativePath;
  return relativePath
    .split('/')
    .map((segment) =>
      Array.from(new TextEncoder().encode(segment))
        .map((byte) => {
          const char = String.fromCharCode(byte);
          return byte < 0x80 && /[A-Za-z0-9\-._~=]/.test(char)
            ? char
            : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
        })
        .join(''),
    )
    .join('/');
}

/** The inverse of encodeDeltaPath for paths read back from a log (any writer's). */
export function decodeDeltaPath(path: string): string {
  return decodeURIComponent(path);
}

/** `_delta_log/00000000000000000012.json` */
export function commitFileName(version: number): string {
  return `${String(version).padStart(20, '0')}.json`;
}

/** `_delta_log/00000000000000000010.checkpoint.parquet` */
export function checkpointFileName(version: number): string {
  return `${String(version).padStart(20, '0')}.checkpoint.parquet`;
}

export type LogFile =
  | { kind: 'commit'; version: number; name: string }
  | { kind: 'checkpoint'; version: number; name: string; part: number; parts: number }
  | { kind: 'last-checkpoint'; name: string };

/** Classifies one entry of `_delta_log/`; undefined for files we do not use (crc, temp files...). */
export function parseLogFileName(name: string): LogFile | undefined {
  if (name === LAST_CHECKPOINT) return { kind: 'last-checkpoint', name };
  let match = /^(\d{20})\.json$/.exec(name);
  if (match) return { kind: 'commit', version: Number(match[1]), name };
  match = /^(\d{20})\.checkpoint\.parquet$/.exec(name);
  if (match) return { kind: 'checkpoint', version: Number(match[1]), name, part: 1, parts: 1 };
  match = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/.exec(name);
  if (match) {
    return { kind: 'checkpoint', version: Number(match[1]), name, part: Number(match[2]), parts: Number(match[3]) };
  }
  return undefined;
}
