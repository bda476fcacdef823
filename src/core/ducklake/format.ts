import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { showCatalogValue } from './catalogSafety';
import { CatalogFormatError } from './errors';

export type CatalogFormat = 'sqlite' | 'duckdb';

/** DuckLake catalog versions this build reads and writes (the ducklake extension for DuckDB 1.5.5). */
export const SUPPORTED_CATALOG_VERSIONS = ['1.0'];

/** The one sniffer: a catalog's format from its first 16 bytes, undefined when it is neither. */
export function formatOfHeader(header: Buffer, bytesRead = header.length): CatalogFormat | undefined {
  if (bytesRead >= 16 && header.toString('latin1', 0, 16) === 'SQLite format 3\0') return 'sqlite';
  if (bytesRead >= 12 && header.toString('latin1', 8, 12) === 'DUCK') return 'duckdb';
  return undefined;
}

/** Tells a SQLite catalog from a DuckDB-file catalog by its header; anything else is refused. */
export async function sniffCatalogFormat(file: string): Promise<CatalogFormat> {
  const handle = await open(file, 'r');
  let bytesRead: number;
  let size: number;
  const header = Buffer.alloc(100);
  try {
    ({ bytesRead } = await handle.read(header, 0, 100, 0));
    size = (await handle.stat()).size;
  } finally {
    await handle.close();
  }
  const format = formatOfHeader(header, bytesRead);
  if (format === 'sqlite') {
    const expected = sqliteLength(header, bytesRead);
    if (expected !== undefined && size < expected) {
      throw new CatalogFormatError(
        `${file} is a truncated SQLite catalog: ${size} of its ${expected} bytes are there; a download or copy was cut short.`,
        'Pull again, or restore the catalog from a backup / an earlier blob version; nothing was changed.',
      );
    }
  }
  if (format) return format;
  throw new CatalogFormatError(
    `${file} is neither a SQLite nor a DuckDB database${bytesRead === 0 ? ' (it is empty)' : ''}; it cannot be a DuckLake catalog.`,
    'Check the catalog path, or restore the catalog from a backup / an earlier blob version.',
  );
}

/**
 * The length a SQLite file's header promises (page size × "in-header database size"), when the
 * header says that size is valid (its version-valid-for number equals the change counter).
 */
function sqliteLength(header: Buffer, bytesRead: number): number | undefined {
  if (bytesRead < 100) return undefined;
  const raw = header.readUInt16BE(16);
  const pageSize = raw === 1 ? 65_536 : raw;
  const pages = header.readUInt32BE(28);
  if (pages === 0 || header.readUInt32BE(92) !== header.readUInt32BE(24)) return undefined;
  return pageSize * pages;
}

/** The same, synchronously, for code that builds ATTACH statements; undefined when the file is neither. */
export function sniffCatalogFormatSync(file: string): CatalogFormat | undefined {
  const header = Buffer.alloc(16);
  const fd = openSync(file, 'r');
  try {
    return formatOfHeader(header, readSync(fd, header, 0, 16, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * The one version policy: refuses catalogs this build cannot safely read or
 * write (an older one would be migrated in place, a newer one misread).
 */
export function checkCatalogVersion(version: string | undefined): string {
  const v = version ?? 'unknown';
  if (!SUPPORTED_CATALOG_VERSIONS.includes(v)) {
    throw new CatalogFormatError(
      `The catalog is DuckLake version ${showCatalogValue(v)}; this build of Lakehouse Dev supports ${SUPPORTED_CATALOG_VERSIONS.join(', ')} (DuckDB 1.5.5).`,
      'Upgrade the catalog with the matching DuckDB/ducklake release (or Lakehouse Dev) before using it here; nothing was changed.',
    );
  }
  return v;
}
