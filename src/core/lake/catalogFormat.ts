import { CatalogReader } from '../ducklake/catalogReader';
import { type DuckDBSource } from './lazySession';
import type { CatalogFormat } from '../ducklake/format';

// The one sniffer, version policy and errors live in core/ducklake; re-exported for existing callers.
export { CatalogFormatError } from '../ducklake/errors';
export { sniffCatalogFormat, SUPPORTED_CATALOG_VERSIONS, type CatalogFormat } from '../ducklake/format';

/** The `ATTACH` target for a catalog file. */
export function attachTarget(format: CatalogFormat, file: string): string {
  return format === 'sqlite' ? `ducklake:sqlite:${file}` : `ducklake:${file}`;
}

/** Format, checked version and stored data_path of a catalog file, read (core/ducklake's reader) without attaching it as a DuckLake. */
export async function readCatalogInfo(
  session: DuckDBSource,
  file: string,
): Promise<{ format: CatalogFormat; version: string; dataPath: string }> {
  const reader = await CatalogReader.open(session, file);
  try {
    const { version, dataPath } = await reader.metadata();
    return { format: reader.fileFormat(), version, dataPath };
  } finally {
    await reader.close();
  }
}
