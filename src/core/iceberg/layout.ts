/**
 * Where the Iceberg metadata of a table lives: `<table folder>/metadata/`,
 * beside `_delta_log/`, named as file-system (Hadoop) Iceberg tables name it
 * so a reader given only the folder finds the current version:
 * `v<N>.metadata.json`, `version-hint.text` (holds N), manifest lists
 * `snap-<snapshot id>-<uuid>.avro` and manifests `<uuid>-m<k>.avro`.
 */
export const METADATA_DIR = 'metadata/';
export const VERSION_HINT = 'version-hint.text';

export function metadataFileName(version: number): string {
  return `v${version}.metadata.json`;
}

/** The version of a `v<N>.metadata.json` name, or undefined for any other name. */
export function metadataVersion(name: string): number | undefined {
  const match = /^v([1-9]\d{0,15})\.metadata\.json$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** Absolute location of a table folder: the catalog DATA_PATH joined with the folder (no trailing slash). */
export function tableLocation(dataPath: string, folder: string): string {
  const base = dataPath.endsWith('/') ? dataPath : `${dataPath}/`;
  return `${base}${folder}`.replace(/\/+$/, '');
}

/** The store path (relative to the Tables root) of an absolute location inside `location`'s metadata folder. */
export function storePathOf(folder: string, location: string, absolute: string): string | undefined {
  const prefix = `${location}/${METADATA_DIR}`;
  if (!absolute.startsWith(prefix)) return undefined;
  const name = absolute.slice(prefix.length);
  return /^[A-Za-z0-9._-]+$/.test(name) ? folder + METADATA_DIR + name : undefined;
}
