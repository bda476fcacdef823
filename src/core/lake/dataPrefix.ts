import { showCatalogValue } from '../ducklake/catalogSafety';
import { ConfigError } from '../errors';
import type { LakehouseLocation } from '../storage/location';

/**
 * The folder inside the lakehouse item that a catalog's stored data_path
 * points at (`Tables/` for catalogs this tool creates). A data_path in another
 * lakehouse, account or on a local disk cannot be mirrored or published here.
 */
export function remoteDataPrefix(dataPath: string, location: LakehouseLocation): string {
  const refuse = (why: string) =>
    new ConfigError(
      `The catalog's data_path '${showCatalogValue(dataPath)}' ${why}.`,
      `Lakehouse Dev mirrors and publishes data inside ${location.container}/${location.item}; point data_path there (e.g. ${location.item}/Tables/).`,
    );
  let container: string;
  let rest: string[];
  try {
    const url = new URL(dataPath);
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    switch (url.protocol) {
      case 'abfss:':
      case 'abfs:':
        container = decodeURIComponent(url.username);
        rest = segments;
        break;
      case 'az:':
      case 'azure:':
        container = decodeURIComponent(url.hostname);
        rest = segments;
        break;
      case 'https:':
      case 'http:':
        container = segments[0] ?? '';
        rest = segments.slice(1);
        if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') {
          // Azurite path-style URL: /<account>/<container>/…
          container = segments[1] ?? '';
          rest = segments.slice(2);
        }
        break;
      default:
        throw refuse('is not a cloud storage URL');
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw refuse('is a local path, not a lakehouse folder');
  }
  const [item, ...folder] = rest;
  if (container !== location.container || item !== location.item)
    throw refuse(`is outside this lakehouse (${location.container}/${location.item})`);
  if (folder.some((p) => p === '..')) throw refuse('leaves the lakehouse');
  return folder.length > 0 ? `${folder.join('/')}/` : '';
}
