import { UnsafeCatalogPathError } from './errors';

/**
 * The rules every catalog path obeys before any part of the product maps it
 * to a local file or a remote object: not a URL, not absolute (rooted or a
 * drive letter), no control characters, and no backslash — DuckLake writes
 * '/'-separated paths, so a backslash is either a separator smuggled past the
 * `..` check (on Windows) or a name no reader agrees on. Segment rules (`..`)
 * are applied by the caller, which knows its folder.
 */
export function refuseUnsafeCatalogPath(path: string, what?: string): void {
  if (path.length === 0) throw new UnsafeCatalogPathError(path, 'is empty', what);
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(path))
    throw new UnsafeCatalogPathError(path, 'is a URL, not a relative path', what);
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(path))
    throw new UnsafeCatalogPathError(path, 'is absolute where a relative path is required', what);
  if (/[\u0000-\u001f\u007f]/.test(path)) throw new UnsafeCatalogPathError(path, 'contains control characters', what);
  if (path.includes('\\')) throw new UnsafeCatalogPathError(path, 'contains a backslash', what);
}
